/* SPDX-License-Identifier: BSD-3-Clause */
/* Roff for the manual pages (tt_man.h). */
#include <string.h>

#include <stdbool.h>

#include <tcpterm/tt_man.h>

void
tt_man_text(FILE *out, const char *text)
{
	bool bol = true;

	for (const char *c = text; *c != '\0'; c++) {
		/* A line starting with . or ' would be read as a request (man(7)). */
		if (bol && (*c == '.' || *c == '\''))
			fputs("\\&", out);
		bol = false;
		switch (*c) {
		case '\\':
			fputs("\\e", out);
			break;
		case '-':
			fputs("\\-", out);
			break;
		case '\n':
			fputs("\n.br\n", out);
			bol = true;
			break;
		default:
			fputc(*c, out);
		}
	}
	if (!bol)
		fputc('\n', out);
}

void
tt_man_head(FILE *out, const char *name, const char *summary)
{
	char upper[32];
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < sizeof(upper); i++)
		upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
	upper[i] = '\0';
	fprintf(out, ".TH %s 8 \"\" \"tcpterm %s\" \"System Administration\"\n", upper, TT_VERSION);
	tt_man_section(out, "NAME");
	fprintf(out, "%s \\- ", name);
	tt_man_text(out, summary);
}

void
tt_man_section(FILE *out, const char *title)
{
	fprintf(out, ".SH \"%s\"\n", title);
}

void
tt_man_subsection(FILE *out, const char *title)
{
	fprintf(out, ".SS \"%s\"\n", title);
}

void
tt_man_para(FILE *out, const char *text)
{
	fputs(".PP\n", out);
	tt_man_text(out, text);
}

/* A word in bold or italics: hyphens as \- (man(7)), backslashes as \e. */
static void
man_word(FILE *out, const char *font, const char *w)
{
	fputs(font, out);
	for (const char *c = w; *c != '\0'; c++) {
		if (*c == '-' || *c == '\\')
			fputs(*c == '-' ? "\\-" : "\\e", out);
		else
			fputc(*c, out);
	}
	fputs("\\fR", out);
}

void
tt_man_option(FILE *out, const char *name, const char *arg, const char *help)
{
	fputs(".TP\n", out);
	man_word(out, "\\fB", name);
	if (arg != NULL && *arg != '\0') {
		fputc(' ', out);
		man_word(out, "\\fI", arg);
	}
	fputc('\n', out);
	tt_man_text(out, help);
}
