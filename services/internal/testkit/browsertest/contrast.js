// CheckContrast evaluates this expression in the page. Its value is
// {checked, skipped, failures: [{desc, text, fg, bg, ratio, required, large}]}.
//
// For every visible element with a non-whitespace direct text node, and for
// text inputs, buttons, selects, textareas and links with text, it computes
// the WCAG 2.x contrast ratio between the text colour and the effective
// background: the background colours of the element and its ancestors,
// composited from the root down over white (semi-transparent ones blend with
// what is below). The text colour's alpha and the opacity of the element and
// its ancestors blend the text over that background.
//
// Skipped: elements that are hidden (display, visibility, opacity 0, closed
// details...), visually hidden (the sr-only pattern: clipped, or 1px with
// overflow hidden), off-screen (left: -9999px), inside svg, disabled (WCAG's
// inactive components), and those under a background image or gradient,
// whose background cannot be known.
(() => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const cx = canvas.getContext('2d', {willReadFrequently: true});

  // parseColor turns a computed colour into {r, g, b, a}, r/g/b in 0..255.
  const parseColor = (s) => {
    s = s.trim();
    const m = /^rgba?\(([^)]*)\)$/.exec(s);
    if (m) {
      const p = m[1].split(/[\s,/]+/).filter(Boolean);
      if (p.length >= 3) {
        const ch = (v) => (v.endsWith('%') ? parseFloat(v) * 2.55 : parseFloat(v));
        let a = 1;
        if (p.length >= 4) a = p[3].endsWith('%') ? parseFloat(p[3]) / 100 : parseFloat(p[3]);
        return {r: ch(p[0]), g: ch(p[1]), b: ch(p[2]), a: a};
      }
    }
    if (s === 'transparent') return {r: 0, g: 0, b: 0, a: 0};
    // Other syntaxes (color(), oklch(), lab()...): the canvas converts to sRGB.
    cx.clearRect(0, 0, 1, 1);
    cx.fillStyle = '#000';
    cx.fillStyle = s;
    cx.fillRect(0, 0, 1, 1);
    const d = cx.getImageData(0, 0, 1, 1).data;
    return {r: d[0], g: d[1], b: d[2], a: d[3] / 255};
  };

  // over composites colour c (with alpha) over the opaque colour below.
  const over = (c, below) => ({
    r: c.r * c.a + below.r * (1 - c.a),
    g: c.g * c.a + below.g * (1 - c.a),
    b: c.b * c.a + below.b * (1 - c.a),
    a: 1,
  });

  const luminance = (c) => {
    const lin = (v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
  };
  const ratio = (a, b) => {
    const la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  };
  const hex = (c) =>
    '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');

  const parentOf = (n) => n.parentElement || (n.getRootNode() instanceof ShadowRoot ? n.getRootNode().host : null);

  const describe = (el) => {
    const parts = [];
    for (let n = el, i = 0; n && i < 4; n = parentOf(n), i++) {
      let s = n.localName;
      if (n.id) s += '#' + n.id;
      for (const c of Array.from(n.classList).slice(0, 2)) s += '.' + c;
      parts.unshift(s);
      if (n.id || n === document.body) break;
    }
    return parts.join(' > ');
  };

  // visuallyHidden reports the sr-only pattern on n: clipped away, or at most
  // 1px with its overflow hidden.
  const visuallyHidden = (n, cs) => {
    if (/^rect\(\s*0(px)?[\s,]+0(px)?[\s,]+0(px)?[\s,]+0(px)?\s*\)$/.test(cs.clip)) return true;
    if (/inset\(\s*(50|100)%/.test(cs.clipPath)) return true;
    const r = n.getBoundingClientRect();
    if ((r.width <= 1 || r.height <= 1) && cs.overflow !== 'visible') return true;
    return false;
  };

  const directText = (el) => {
    let s = '';
    for (const c of el.childNodes) if (c.nodeType === Node.TEXT_NODE) s += c.data;
    return s.replace(/\s+/g, ' ').trim();
  };

  const noTextInputs = new Set(['hidden', 'checkbox', 'radio', 'range', 'color', 'file', 'image']);
  const controlText = (el) => {
    switch (el.localName) {
      case 'input':
        if (noTextInputs.has(el.type)) return '';
        return (el.value || '').trim();
      case 'textarea':
        return (el.value || '').trim();
      case 'select':
        return el.selectedOptions.length ? el.selectedOptions[0].text.trim() : '';
      case 'button':
      case 'a':
        return (el.innerText || '').replace(/\s+/g, ' ').trim();
    }
    return '';
  };

  const skipTags = new Set(['script', 'style', 'noscript', 'template', 'option', 'optgroup', 'title']);
  const pageW = Math.max(document.documentElement.scrollWidth, window.innerWidth);
  const white = {r: 255, g: 255, b: 255, a: 1};

  let checked = 0, skipped = 0;
  const failures = [];
  for (const el of document.body ? document.body.querySelectorAll('*') : []) {
    if (skipTags.has(el.localName) || el.closest('svg')) continue;
    let text = directText(el);
    if (!text && ['input', 'textarea', 'select', 'button', 'a'].includes(el.localName)) text = controlText(el);
    if (!text) continue;
    if (el.matches(':disabled') || el.closest('button:disabled, fieldset:disabled, [aria-disabled="true"]')) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true})) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1) continue;
    if (rect.right + window.scrollX <= 0 || rect.bottom + window.scrollY <= 0 || rect.left + window.scrollX >= pageW) continue;

    const chain = [];
    let hidden = false, image = false, opacity = 1;
    for (let n = el; n; n = parentOf(n)) {
      const cs = getComputedStyle(n);
      if (visuallyHidden(n, cs)) hidden = true;
      if (cs.backgroundImage && cs.backgroundImage !== 'none') image = true;
      opacity *= parseFloat(cs.opacity);
      chain.push(cs);
    }
    if (hidden) continue;
    if (image) {
      skipped++;
      continue;
    }
    let bg = white;
    for (let i = chain.length - 1; i >= 0; i--) bg = over(parseColor(chain[i].backgroundColor), bg);
    const cs = chain[0];
    const color = parseColor(cs.color);
    color.a *= opacity;
    const fg = over(color, bg);
    const r = ratio(fg, bg);
    const size = parseFloat(cs.fontSize);
    const weight = parseInt(cs.fontWeight, 10) || 400;
    const large = size >= 24 || (size >= 18.66 && weight >= 700);
    const required = large ? 3 : 4.5;
    checked++;
    if (r < required) {
      failures.push({
        desc: describe(el),
        text: text.length > 30 ? text.slice(0, 29) + '…' : text,
        fg: hex(fg),
        bg: hex(bg),
        ratio: r,
        required: required,
        large: large,
        size: size,
        weight: weight,
      });
    }
  }
  return {checked: checked, skipped: skipped, failures: failures};
})()
