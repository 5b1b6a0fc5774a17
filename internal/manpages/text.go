package manpages

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/russross/blackfriday/v2"
)

// Layout of the plain text: like man, a heading at the margin and its body
// indented, wrapped at textWidth columns.
const (
	textWidth  = 79
	bodyIndent = 4
	codeIndent = 4 // in addition to the body's
)

// CommandHelp returns the section of ctdb(1) about one command as plain
// text: the text `ctdb help COMMAND` prints.
func CommandHelp(name string) (string, bool) {
	src, ok := CommandSource(name)
	if !ok {
		return "", false
	}
	return PlainText(src), true
}

// PlainText renders Markdown as indented, wrapped plain text. It handles what
// the pages use: headings, paragraphs, lists (bullets, numbers, definitions),
// code blocks, and inline emphasis and code, which it shows as plain words.
func PlainText(src []byte) string {
	md := blackfriday.New(blackfriday.WithExtensions(
		blackfriday.NoIntraEmphasis | blackfriday.FencedCode | blackfriday.DefinitionLists |
			blackfriday.SpaceHeadings | blackfriday.Tables))
	root := md.Parse(src)
	var t textWriter
	for n := root.FirstChild; n != nil; n = n.Next {
		t.block(n, bodyIndent)
	}
	return strings.TrimRight(t.out.String(), "\n") + "\n"
}

type textWriter struct {
	out bytes.Buffer
}

func (t *textWriter) blank() {
	b := t.out.Bytes()
	if len(b) > 0 && !bytes.HasSuffix(b, []byte("\n\n")) {
		t.out.WriteByte('\n')
	}
}

func (t *textWriter) block(n *blackfriday.Node, indent int) {
	switch n.Type {
	case blackfriday.Heading:
		t.blank()
		t.out.WriteString(inline(n) + "\n")
	case blackfriday.Paragraph:
		t.blank()
		t.wrap(inline(n), indent, indent)
	case blackfriday.CodeBlock:
		t.blank()
		for _, l := range strings.Split(strings.TrimRight(string(n.Literal), "\n"), "\n") {
			t.out.WriteString(strings.TrimRight(strings.Repeat(" ", indent+codeIndent)+l, " ") + "\n")
		}
	case blackfriday.List:
		t.list(n, indent)
	default:
		for c := n.FirstChild; c != nil; c = c.Next {
			t.block(c, indent)
		}
	}
}

func (t *textWriter) list(n *blackfriday.Node, indent int) {
	num := 1
	for it := n.FirstChild; it != nil; it = it.Next {
		switch {
		case it.ListFlags&blackfriday.ListTypeTerm != 0:
			t.blank()
			t.wrap(inline(it), indent, indent)
			continue
		case it.ListFlags&blackfriday.ListTypeDefinition != 0:
			t.items(it, indent+4, "")
			continue
		}
		mark := "- "
		if n.ListFlags&blackfriday.ListTypeOrdered != 0 {
			mark = strconv.Itoa(num) + ". "
			num++
		}
		t.items(it, indent, mark)
	}
}

// items writes a list item's blocks; the first paragraph carries the mark.
func (t *textWriter) items(it *blackfriday.Node, indent int, mark string) {
	inner := indent + len(mark)
	first := true
	for c := it.FirstChild; c != nil; c = c.Next {
		if first && c.Type == blackfriday.Paragraph {
			if it.ListFlags&blackfriday.ListItemContainsBlock != 0 || it.Prev == nil {
				t.blank()
			}
			t.wrapMark(inline(c), indent, inner, mark)
			first = false
			continue
		}
		first = false
		t.block(c, inner)
	}
}

func (t *textWriter) wrapMark(s string, indent, inner int, mark string) {
	var b strings.Builder
	wrapInto(&b, s, inner, inner)
	lines := strings.SplitAfterN(b.String(), "\n", 2)
	t.out.WriteString(strings.Repeat(" ", indent) + mark + strings.TrimLeft(lines[0], " "))
	if len(lines) > 1 {
		t.out.WriteString(lines[1])
	}
}

func (t *textWriter) wrap(s string, first, rest int) {
	var b strings.Builder
	wrapInto(&b, s, first, rest)
	t.out.WriteString(b.String())
}

// wrapInto fills words into lines of at most textWidth columns; a line
// break in s (a Markdown hard break) is kept.
func wrapInto(b *strings.Builder, s string, first, rest int) {
	for i, para := range strings.Split(s, "\n") {
		indent := rest
		if i == 0 {
			indent = first
		}
		col := 0
		for _, w := range strings.Fields(para) {
			switch {
			case col == 0:
				b.WriteString(strings.Repeat(" ", indent) + w)
				col = indent + len([]rune(w))
			case col+1+len([]rune(w)) > textWidth:
				b.WriteString("\n" + strings.Repeat(" ", rest) + w)
				col = rest + len([]rune(w))
			default:
				b.WriteString(" " + w)
				col += 1 + len([]rune(w))
			}
		}
		b.WriteString("\n")
	}
}

// inline flattens a node's inline children into one string.
func inline(n *blackfriday.Node) string {
	var b strings.Builder
	n.Walk(func(c *blackfriday.Node, entering bool) blackfriday.WalkStatus {
		if !entering {
			return blackfriday.GoToNext
		}
		switch c.Type {
		case blackfriday.Text, blackfriday.Code, blackfriday.HTMLSpan:
			b.Write(c.Literal)
		case blackfriday.Softbreak:
			b.WriteByte(' ')
		case blackfriday.Hardbreak:
			b.WriteByte('\n')
		}
		return blackfriday.GoToNext
	})
	return strings.TrimSpace(b.String())
}
