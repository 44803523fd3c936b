package bleu

import (
	"regexp"
	"strings"
)

// Tokenizer turns a line of text into tokens.
type Tokenizer func(line string) []string

// None splits on whitespace only (multi-bleu's input is pre-tokenised).
func None(line string) []string { return fields(line) }

// fields splits on what Python's str.split() calls whitespace: Unicode
// white space plus the ASCII separators \x1c-\x1f, which Go's
// strings.Fields does not split on.
func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0:
			return true
		}
		return r > 0xff && isUnicodeSpace(r)
	})
}

func isUnicodeSpace(r rune) bool {
	switch r {
	case 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// The rules of sacreBLEU's 13a tokeniser (tokenizers/tokenizer_13a.py and
// tokenizer_re.py), in order. Go's regexp picks the same leftmost,
// non-overlapping matches as Python's re for these patterns.
var rules13a = []struct {
	re   *regexp.Regexp
	repl string
}{
	// Punctuation and symbols: { | } ~, [ \ ] ^ _ `, space ! " # $ % &,
	// ( ) * +, : ; < = > ? @ and /; not ' , - . or digits.
	{regexp.MustCompile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])"), " ${1} "},
	// Period and comma unless preceded by a digit.
	{regexp.MustCompile(`([^0-9])([\.,])`), "${1} ${2} "},
	// Period and comma unless followed by a digit.
	{regexp.MustCompile(`([\.,])([^0-9])`), " ${1} ${2}"},
	// A dash preceded by a digit.
	{regexp.MustCompile(`([0-9])(-)`), "${1} ${2} "},
}

// Tokenize13a tokenises a line as sacreBLEU's default 13a tokeniser (the
// one of mteval-v13a.pl): skipped markers and hyphenated line breaks are
// removed, four XML entities unescaped, punctuation split off.
func Tokenize13a(line string) []string {
	line = strings.ReplaceAll(line, "<skipped>", "")
	line = strings.ReplaceAll(line, "-\n", "")
	line = strings.ReplaceAll(line, "\n", " ")
	if strings.Contains(line, "&") {
		line = strings.ReplaceAll(line, "&quot;", `"`)
		line = strings.ReplaceAll(line, "&amp;", "&")
		line = strings.ReplaceAll(line, "&lt;", "<")
		line = strings.ReplaceAll(line, "&gt;", ">")
	}
	line = " " + line + " "
	for _, r := range rules13a {
		line = r.re.ReplaceAllString(line, r.repl)
	}
	return fields(line)
}
