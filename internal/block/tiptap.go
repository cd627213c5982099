package block

import (
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
