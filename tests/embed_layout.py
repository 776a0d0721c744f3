"""What the embed looks like inside a story page, for the browser tests of the embed
(tests/test_embed_browser.py) and of the published site's (tests/test_site_browser.py)."""

RECORD_MESSAGES = ("<script>window.__messages = [];"
                   "addEventListener('message', e => __messages.push(e.data));</script>")

#: Inside the embed: its size, the map's box and what overflows the window or its box.
LAYOUT = """() => {
    const doc = document.documentElement, W = doc.clientWidth, H = doc.clientHeight;
    const clipped = [];
    for (const sel of ['#mk-title', '#mk-headline', '#mk-date', '#mk-slider', '.mk-legend',
                       '.mk-source', '.mk-prov', '#mk-data-link']) {
        const el = document.querySelector(sel);
        const range = document.createRange();
        range.selectNodeContents(el);
        const boxes = [el.getBoundingClientRect(), ...range.getClientRects()];
        if (boxes.some(b => b.left < -0.5 || b.right > W + 0.5 || b.bottom > H + 0.5))
            clipped.push(sel);
    }
    const map = document.getElementById('mk-map').getBoundingClientRect();
    return {scrollWidth: doc.scrollWidth, clientWidth: W, scrollHeight: doc.scrollHeight,
            clientHeight: H, mapWidth: map.width, mapHeight: map.height, clipped: clipped,
            headline: document.getElementById('mk-headline').getBoundingClientRect().height,
            line: parseFloat(getComputedStyle(document.getElementById('mk-headline')).lineHeight),
            bottom: document.querySelector('.mk figcaption').getBoundingClientRect().bottom};
}"""
