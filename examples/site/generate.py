#!/usr/bin/env python3
"""Builds the example site: content/*.md -> public/ (HTML pages, sitemap.xml, assets).

    python3 generate.py [--out public] [--base-url http://localhost:3000]

Each Markdown file starts with a front matter block of `key: value` lines
between `---` lines (title, date, description, draft). Pages:

    content/index.md        -> /            (the home page, followed by the list of posts)
    content/about.md        -> /about/
    content/posts/<x>.md    -> /posts/<x>/  (with a like button)

A post with `draft: true` is generated but left out of the home page and of
sitemap.xml, so the likes service refuses likes for it (the page shows why).
Files in theme/ other than layout.html are copied to the output as they are.

sitemap.xml lists absolute URLs under --base-url (the sitemap protocol asks
for absolute URLs); the likes component compares only their paths, so the
site works on any address whatever base URL it was built with.

The Markdown subset: # headings, paragraphs, - and 1. lists, > quotes,
``` code blocks, `code`, **strong**, *emphasis*, [links](url), and blank
lines between blocks. Only the Python 3 standard library is used.
"""

import argparse
import html
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER = ".generated-by-generate.py"


def parse_front_matter(text, path):
    meta = {}
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end < 0:
            sys.exit(f"{path}: front matter has no closing ---")
        for n, line in enumerate(text[4:end].splitlines(), 2):
            if not line.strip():
                continue
            if ":" not in line:
                sys.exit(f"{path}:{n}: expected `key: value` in the front matter")
            key, value = line.split(":", 1)
            meta[key.strip()] = value.strip()
        text = text[end + 5:]
    return meta, text


def inline(text):
    """Inline Markdown of one block of text (already without block syntax)."""
    out = []
    for i, part in enumerate(re.split(r"(`[^`]+`)", text)):
        if i % 2 == 1:
            out.append("<code>" + html.escape(part[1:-1]) + "</code>")
            continue
        s = html.escape(part, quote=False)
        s = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)",
                   lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>', s)
        s = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", s)
        s = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", s)
        out.append(s)
    return "".join(out)


def markdown(text):
    lines = text.splitlines()
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.startswith("```"):
            lang = line[3:].strip()
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            i += 1
            cls = f' class="language-{html.escape(lang)}"' if lang else ""
            out.append(f"<pre><code{cls}>" + html.escape("\n".join(body)) + "</code></pre>")
            continue
        m = re.match(r"(#{1,6})\s+(.*)", line)
        if m:
            level = len(m.group(1))
            title = m.group(2).strip()
            anchor = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
            out.append(f'<h{level} id="{anchor}">{inline(title)}</h{level}>')
            i += 1
            continue
        if re.match(r"\s*([-*]|\d+\.)\s+", line):
            ordered = bool(re.match(r"\s*\d+\.", line))
            items = []
            while i < len(lines) and lines[i].strip():
                m = re.match(r"\s*(?:[-*]|\d+\.)\s+(.*)", lines[i])
                if m:
                    items.append(m.group(1))
                elif items:
                    items[-1] += " " + lines[i].strip()
                i += 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{inline(it)}</li>" for it in items) +
                       f"</{tag}>")
            continue
        if line.startswith(">"):
            quote = []
            while i < len(lines) and lines[i].startswith(">"):
                quote.append(lines[i][1:].strip())
                i += 1
            out.append("<blockquote>" + markdown("\n".join(quote)) + "</blockquote>")
            continue
        para = []
        while (i < len(lines) and lines[i].strip() and not lines[i].startswith(("```", "#", ">"))
               and not re.match(r"\s*([-*]|\d+\.)\s+", lines[i])):
            para.append(lines[i].strip())
            i += 1
        out.append("<p>" + inline(" ".join(para)) + "</p>")
    return "\n".join(out)


def render(layout, **fields):
    def sub(m):
        key = m.group(1)
        if key not in fields:
            sys.exit(f"theme/layout.html: unknown placeholder {{{{ {key} }}}}")
        return fields[key]
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", sub, layout)


def likes_widget(path):
    return f"""
<section class="likes" data-page="{html.escape(path)}" aria-label="Likes">
  <button class="like-button" type="button"><span aria-hidden="true">&#9829;</span> Like</button>
  <span class="like-count" aria-live="polite">&hellip;</span>
  <p class="like-message" role="status"></p>
</section>"""


def load_pages(content):
    pages = []
    for root, _, files in os.walk(content):
        for name in sorted(files):
            if not name.endswith(".md"):
                continue
            src = os.path.join(root, name)
            rel = os.path.relpath(src, content)[:-3].replace(os.sep, "/")
            with open(src, encoding="utf-8") as f:
                meta, body = parse_front_matter(f.read(), src)
            if "title" not in meta:
                sys.exit(f"{src}: the front matter needs a title")
            if rel == "index":
                path = "/"
            elif rel.endswith("/index"):
                path = "/" + rel[: -len("index")]
            else:
                path = "/" + rel + "/"
            pages.append({
                "src": src,
                "path": path,
                "title": meta["title"],
                "date": meta.get("date", ""),
                "description": meta.get("description", ""),
                "draft": meta.get("draft", "false").lower() == "true",
                "post": rel.startswith("posts/"),
                "body": markdown(body),
            })
    return sorted(pages, key=lambda p: p["path"])


def post_list(posts):
    items = []
    for p in posts:
        items.append(
            f'<li><a href="{html.escape(p["path"])}">{html.escape(p["title"])}</a>'
            f' <time datetime="{html.escape(p["date"])}">{html.escape(p["date"])}</time>'
            f'<p>{html.escape(p["description"])}</p></li>')
    return '<ul class="post-list">' + "".join(items) + "</ul>"


def prepare_out(out):
    if os.path.exists(out):
        if not os.path.isdir(out):
            sys.exit(f"{out} exists and is not a folder")
        if os.listdir(out) and not os.path.exists(os.path.join(out, MARKER)):
            sys.exit(f"{out} is not empty and was not made by generate.py; not touching it")
        shutil.rmtree(out)
    os.makedirs(out)
    open(os.path.join(out, MARKER), "w").close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--content", default=os.path.join(HERE, "content"))
    ap.add_argument("--theme", default=os.path.join(HERE, "theme"))
    ap.add_argument("--out", default=os.path.join(HERE, "public"))
    ap.add_argument("--base-url", default=os.environ.get("SITE_URL", "http://localhost:3000"))
    args = ap.parse_args()
    base = args.base_url.rstrip("/")

    with open(os.path.join(args.theme, "layout.html"), encoding="utf-8") as f:
        layout = f.read()
    pages = load_pages(args.content)
    posts = sorted((p for p in pages if p["post"] and not p["draft"]),
                   key=lambda p: p["date"], reverse=True)

    prepare_out(args.out)
    for p in pages:
        body = p["body"]
        if p["path"] == "/":
            body += "\n<h2>Posts</h2>\n" + post_list(posts)
        if p["post"]:
            meta = f'<p class="meta"><time datetime="{html.escape(p["date"])}">'
            meta += f'{html.escape(p["date"])}</time>'
            if p["draft"]:
                meta += ' &middot; <span class="draft">draft</span>'
            meta += "</p>"
            body = f'<article class="post"><h1>{html.escape(p["title"])}</h1>{meta}\n{body}'
            body += likes_widget(p["path"]) + "</article>"
        page_html = render(
            layout,
            title=html.escape(p["title"]),
            description=html.escape(p["description"]),
            content=body,
            scripts='<script src="/likes.js" defer></script>' if p["post"] else "")
        dest = os.path.join(args.out, p["path"].strip("/"), "index.html")
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8") as f:
            f.write(page_html)

    not_found = render(layout, title="Not found", description="",
                       content="<h1>Not found</h1><p>There is no page here. "
                       'Try <a href="/">the home page</a>.</p>', scripts="")
    with open(os.path.join(args.out, "404.html"), "w", encoding="utf-8") as f:
        f.write(not_found)

    listed = [p for p in pages if not p["draft"]]
    with open(os.path.join(args.out, "sitemap.xml"), "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
        for p in listed:
            f.write(f"  <url><loc>{html.escape(base + p['path'])}</loc>")
            if p["date"]:
                f.write(f"<lastmod>{html.escape(p['date'])}</lastmod>")
            f.write("</url>\n")
        f.write("</urlset>\n")

    for name in sorted(os.listdir(args.theme)):
        if name != "layout.html":
            shutil.copy(os.path.join(args.theme, name), os.path.join(args.out, name))
    print(f"generate.py: {len(pages)} pages ({len(posts)} posts, "
          f"{len(pages) - len(listed)} draft) and sitemap.xml ({len(listed)} URLs) "
          f"in {args.out}")


if __name__ == "__main__":
    main()
