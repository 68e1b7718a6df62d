"""Static HTML pages of images (dominate), readable straight from the file system."""
import os
from urllib.parse import quote

import dominate
from dominate.tags import a, b, br, details, h3, img, meta, p, pre, summary, table, td, th, tr

from util.util import atomic_write_text


class HTML:
    """A page with headers and rows of images; images live in <web_dir>/images.
    Text is escaped by dominate; image links are URL-quoted so any file name works."""

    def __init__(self, web_dir, title, refresh=0):
        self.title = title
        self.web_dir = web_dir
        self.img_dir = os.path.join(self.web_dir, 'images')
        os.makedirs(self.img_dir, exist_ok=True)
        self.doc = dominate.document(title=title)
        if refresh > 0:
            with self.doc.head:
                meta(http_equiv="refresh", content=str(refresh))

    def get_image_dir(self):
        return self.img_dir

    def add_header(self, text):
        with self.doc:
            h3(text)

    def add_text(self, text):
        with self.doc:
            p(text)

    def add_links(self, links, label=''):
        """One line: an optional bold label, then (text, href) links; hrefs are relative to the page."""
        with self.doc, p():
            if label:
                b(label)
            for text, href in links:
                a(text, href=quote(href), style='margin-left: 1em')

    def add_table(self, header, rows):
        """A plain table of text cells under a header row."""
        with self.doc, table(border=1, cellpadding=4):
            tr([th(str(cell)) for cell in header])
            for row in rows:
                tr([td(str(cell)) for cell in row])

    def add_preformatted(self, title, text):
        """Text kept as written (e.g. the options of a run), folded under `title`."""
        with self.doc, details():
            summary(title)
            pre(text)

    def add_images(self, ims, txts, links, width=400):
        """One table row: image i shows `ims[i]` (relative to images/), captioned `txts[i]`,
        linking to `links[i]`."""
        with self.doc, table(border=1, style="table-layout: fixed;"), tr():
            for im, txt, link in zip(ims, txts, links):
                with td(style="word-wrap: break-word;", halign="center", valign="top"), p():
                    with a(href=quote(os.path.join('images', link))):
                        img(style=f"width:{width}px", src=quote(os.path.join('images', im)), alt=txt)
                    br()
                    p(txt)

    def save(self):
        atomic_write_text(os.path.join(self.web_dir, 'index.html'), self.doc.render())
