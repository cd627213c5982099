package block

import (
	"html"
	"net/url"
	"strconv"
	"strings"
)

// TipTapText renders a TipTap (ProseMirror) JSON document as plain text:
// paragraphs and headings on their own lines, list items with "- " or
// "1. ", hard breaks as new lines, links as "text (url)". No Go library
// renders TipTap, so this walker is ours.
func TipTapText(doc map[string]any) string {
	var b strings.Builder
	tiptapNode(&b, doc, "")
	return strings.TrimSpace(b.String())
}

func tiptapNode(b *strings.Builder, n map[string]any, prefix string) {
	typ, _ := n["type"].(string)
	switch typ {
	case "text":
		text, _ := n["text"].(string)
		b.WriteString(text)
		if href := linkOf(n); href != "" && href != text {
			b.WriteString(" (" + href + ")")
		}
		return
	case "hardBreak":
		b.WriteString("\n")
		return
	}
	children, _ := n["content"].([]any)
	switch typ {
	case "bulletList", "orderedList":
		for i, c := range children {
			if cm, ok := c.(map[string]any); ok {
				mark := "- "
				if typ == "orderedList" {
					mark = strconv.Itoa(i+1) + ". "
				}
				b.WriteString(prefix + mark)
				tiptapChildren(b, cm, prefix+"  ")
			}
		}
		return
	case "paragraph", "heading", "blockquote", "codeBlock":
		tiptapChildren(b, n, prefix)
		b.WriteString("\n")
		return
	}
	tiptapChildren(b, n, prefix)
}

func tiptapChildren(b *strings.Builder, n map[string]any, prefix string) {
	children, _ := n["content"].([]any)
	for _, c := range children {
		if cm, ok := c.(map[string]any); ok {
			tiptapNode(b, cm, prefix)
		}
	}
}

func linkOf(n map[string]any) string {
	marks, _ := n["marks"].([]any)
	for _, m := range marks {
		mm, _ := m.(map[string]any)
		if mm["type"] == "link" {
			attrs, _ := mm["attrs"].(map[string]any)
			href, _ := attrs["href"].(string)
			return href
		}
	}
	return ""
}

// TipTapHTML renders a TipTap (ProseMirror) JSON document as HTML that is
// safe to put in a page: every text and attribute is escaped, only the
// nodes and marks below become elements (others keep their text), and a
// link becomes an <a> only when its href is an absolute http, https,
// mailto or tel URL (else its text stays, unlinked). Nodes: paragraph,
// heading (levels 1 to 6), bulletList, orderedList, listItem, blockquote,
// codeBlock, hardBreak, horizontalRule. Marks: bold, italic, underline,
// strike, code, link.
func TipTapHTML(doc map[string]any) string {
	var b strings.Builder
	htmlNode(&b, doc)
	return b.String()
}

// htmlBlocks are the nodes that become one element around their children.
var htmlBlocks = map[string]string{
	"paragraph": "p", "bulletList": "ul", "orderedList": "ol", "listItem": "li", "blockquote": "blockquote",
}

// htmlMarks are the marks that become one element around their text,
// outermost first in a text's marks.
var htmlMarks = map[string]string{
	"bold": "strong", "italic": "em", "underline": "u", "strike": "s", "code": "code",
}

func htmlNode(b *strings.Builder, n map[string]any) {
	typ, _ := n["type"].(string)
	switch typ {
	case "text":
		htmlText(b, n)
		return
	case "hardBreak":
		b.WriteString("<br>")
		return
	case "horizontalRule":
		b.WriteString("<hr>")
		return
	case "heading":
		level := "2"
		if attrs, ok := n["attrs"].(map[string]any); ok {
			if l, ok := attrs["level"].(float64); ok && l >= 1 && l <= 6 && l == float64(int(l)) {
				level = strconv.Itoa(int(l))
			}
		}
		b.WriteString("<h" + level + ">")
		htmlChildren(b, n)
		b.WriteString("</h" + level + ">")
		return
	case "codeBlock":
		b.WriteString("<pre><code>")
		htmlChildren(b, n)
		b.WriteString("</code></pre>")
		return
	}
	tag, ok := htmlBlocks[typ]
	if !ok {
		htmlChildren(b, n)
		return
	}
	b.WriteString("<" + tag + ">")
	htmlChildren(b, n)
	b.WriteString("</" + tag + ">")
}

func htmlChildren(b *strings.Builder, n map[string]any) {
	children, _ := n["content"].([]any)
	for _, c := range children {
		if cm, ok := c.(map[string]any); ok {
			htmlNode(b, cm)
		}
	}
}

// htmlText writes a text node inside the elements of its marks.
func htmlText(b *strings.Builder, n map[string]any) {
	text, _ := n["text"].(string)
	if text == "" {
		return
	}
	var closing []string
	if href := SafeLink(linkOf(n)); href != "" {
		b.WriteString(`<a href="` + html.EscapeString(href) + `" rel="noopener noreferrer nofollow" target="_blank">`)
		closing = append(closing, "</a>")
	}
	marks, _ := n["marks"].([]any)
	seen := map[string]bool{}
	for _, m := range marks {
		mm, _ := m.(map[string]any)
		typ, _ := mm["type"].(string)
		if tag, ok := htmlMarks[typ]; ok && !seen[tag] {
			seen[tag] = true
			b.WriteString("<" + tag + ">")
			closing = append(closing, "</"+tag+">")
		}
	}
	b.WriteString(html.EscapeString(text))
	for i := len(closing) - 1; i >= 0; i-- {
		b.WriteString(closing[i])
	}
}

// safeSchemes are the URL schemes a link in rendered HTML may have.
var safeSchemes = map[string]bool{"http": true, "https": true, "mailto": true, "tel": true}

// SafeLink returns href when it is an absolute URL with a safe scheme
// (http and https with a host, mailto, tel), else "". Relative URLs,
// javascript:, data:, vbscript: and URLs Go cannot parse (control
// characters, a scheme with spaces) are refused.
func SafeLink(href string) string {
	if href == "" || strings.TrimSpace(href) != href {
		return ""
	}
	u, err := url.Parse(href)
	if err != nil || !safeSchemes[strings.ToLower(u.Scheme)] {
		return ""
	}
	if s := strings.ToLower(u.Scheme); (s == "http" || s == "https") && u.Host == "" {
		return ""
	}
	return href
}
