/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Manual pages in roff (man(7)), written by each program from the tables its --help comes
 * from (`tcpterm --man`, `tcpterm-ctl --man`, `tcpterm-gen --man`; meson runs them at build
 * time and installs the pages), so a page cannot drift from the options (issue 10 item 6).
 * No DPDK: tcpterm-ctl links this (tt_man_lib) without the EAL.
 */
#ifndef TT_MAN_H
#define TT_MAN_H

#include <stdio.h>

/* .TH and the NAME section: "name \- summary". Section 8: all three need root and DPDK. */
void tt_man_head(FILE *out, const char *name, const char *summary);

/* .SH title (upper case by convention) or .SS title. */
void tt_man_section(FILE *out, const char *title);
void tt_man_subsection(FILE *out, const char *title);

/*
 * text as one filled paragraph (.PP first): escaped for roff (backslashes, a leading dot or
 * quote, hyphens as \-); "\n" in text starts a new line within it (.br).
 */
void tt_man_para(FILE *out, const char *text);

/* An option: .TP, "\fB\-\-name\fR \fIarg\fR" (arg may be NULL), then its help text. */
void tt_man_option(FILE *out, const char *name, const char *arg, const char *help);

/* Raw text, escaped, with no paragraph macro (a continuation of the last one). */
void tt_man_text(FILE *out, const char *text);

#endif /* TT_MAN_H */
