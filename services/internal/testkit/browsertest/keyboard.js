// CheckKeyboard evaluates this expression in the page once; it installs
// window.__docketKeyboard, whose methods CheckKeyboard calls between real Tab
// key presses:
//
//   start()  puts the focus at the top of the page: it focuses a temporary
//            element (tabindex=-1) at the start of <body>, so that the next
//            Tab goes to the first tab stop, as after a page load.
//   step()   records document.activeElement after a Tab, with its computed
//            focus styles, and says whether the tab order came round again.
//   finish() blurs the focus, reads the styles of each tab stop unfocused,
//            and returns the report.
(() => {
  const parentOf = (n) => n.parentElement || (n.getRootNode() instanceof ShadowRoot ? n.getRootNode().host : null);
  // label is the text that names el: its aria-label, its <label>, its
  // selected option, its value, or its text.
  const label = (el) => {
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
    if (el.labels && el.labels.length) return el.labels[0].innerText;
    if (el.localName === 'select') return el.selectedOptions.length ? el.selectedOptions[0].text : '';
    if (el.localName === 'input' || el.localName === 'textarea') return el.value || el.placeholder || '';
    return el.innerText || '';
  };
  const describe = (el) => {
    if (!el) return '(none)';
    const parts = [];
    for (let n = el, i = 0; n && i < 4; n = parentOf(n), i++) {
      let s = n.localName;
      if (n.id) s += '#' + n.id;
      for (const c of Array.from(n.classList).slice(0, 2)) s += '.' + c;
      if (i === 0) {
        const href = n.getAttribute('href');
        if (href !== null) s += '[href="' + href + '"]';
        const text = label(n).replace(/\s+/g, ' ').trim();
        if (text) s += ' "' + (text.length > 30 ? text.slice(0, 29) + '…' : text) + '"';
      }
      parts.unshift(s);
      if (n.id || n === document.body) break;
    }
    return parts.join(' > ');
  };
  const deepActive = () => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return a;
  };
  // settle ends the CSS transitions and animations of el and around it, so
  // that the computed styles are the final ones.
  const settle = (el) => {
    for (const n of [el, parentOf(el)]) {
      if (!n) continue;
      for (const a of n.getAnimations({subtree: true})) {
        try {
          a.finish();
        } catch (e) {
          // an infinite animation cannot finish
        }
      }
    }
  };
  const sides = ['top', 'right', 'bottom', 'left'];
  const boxProps = ['box-shadow', 'background-color', 'background-image']
    .concat(sides.flatMap((s) => ['border-' + s + '-style', 'border-' + s + '-width', 'border-' + s + '-color']));
  const outlineProps = ['outline-style', 'outline-width', 'outline-color', 'outline-offset'];
  // snapshot returns the styles that can show focus: the element's outline,
  // box shadow, border and background, those of its ::before and ::after
  // (and their content), and those of its parent (a :focus-within style).
  const snapshot = (el) => {
    settle(el);
    const read = (cs, props) => Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)]));
    const s = {
      outline: read(getComputedStyle(el), outlineProps),
      box: read(getComputedStyle(el), boxProps),
      before: read(getComputedStyle(el, '::before'), ['content', 'display'].concat(outlineProps, boxProps)),
      after: read(getComputedStyle(el, '::after'), ['content', 'display'].concat(outlineProps, boxProps)),
    };
    const p = parentOf(el);
    if (p && p !== document.body && p !== document.documentElement) {
      s.parent = read(getComputedStyle(p), outlineProps.concat(boxProps));
    }
    return s;
  };
  const transparent = (c) => /^rgba\(.*,\s*0\)$/.test(c) || c === 'transparent';
  const outlineVisible = (o) => o['outline-style'] !== 'none' && parseFloat(o['outline-width']) > 0 && !transparent(o['outline-color']);
  const differs = (a, b) => JSON.stringify(a) !== JSON.stringify(b);
  // indicator says what shows the focus, or '' when nothing does.
  const indicator = (focused, unfocused) => {
    if (outlineVisible(focused.outline) && differs(focused.outline, unfocused.outline)) return 'outline';
    if (focused.box['box-shadow'] !== unfocused.box['box-shadow'] && focused.box['box-shadow'] !== 'none') return 'box-shadow';
    if (differs(focused.box, unfocused.box)) return 'border or background';
    if (differs(focused.before, unfocused.before) || differs(focused.after, unfocused.after)) return '::before/::after';
    if (focused.parent && differs(focused.parent, unfocused.parent)) {
      if (!outlineVisible(focused.parent) && outlineVisible(unfocused.parent)) return '';
      return 'parent (:focus-within)';
    }
    return '';
  };

  // The tab order skips all but one radio button of a group (arrow keys move
  // within it), so a group counts as reached when one of its buttons is.
  const radioGroup = (el) =>
    el.localName === 'input' && el.type === 'radio' && el.name
      ? (el.form ? el.form.id || 'form' : 'doc') + ':' + el.name
      : null;

  const interactiveSel = 'a[href], area[href], button, input, select, textarea, summary, iframe, [tabindex], [contenteditable]:not([contenteditable="false"])';
  const native = (el) => el.matches('a[href], area[href], button, input, select, textarea, summary, iframe');
  const interactive = () =>
    Array.from(document.querySelectorAll(interactiveSel)).filter((el) => {
      if (el.localName === 'input' && el.type === 'hidden') return false;
      if (el.localName === 'summary') {
        const d = el.parentElement;
        if (!d || d.localName !== 'details' || d.querySelector(':scope > summary') !== el) return false;
      }
      // A native control is interactive whatever its tabindex (a button with
      // tabindex=-1 is a button the keyboard cannot reach); another element
      // only with a tabindex of 0.
      if (!native(el) && !(el.hasAttribute('tabindex') && el.tabIndex >= 0) && !el.isContentEditable) return false;
      if (el.matches(':disabled') || el.closest('[inert]')) return false;
      if (!el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})) return false;
      return el.getClientRects().length > 0;
    });

  const state = {stops: [], index: new Map(), focused: [], marker: null, left: 0};
  window.__docketKeyboard = {
    start() {
      if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
      window.scrollTo(0, 0);
      const m = document.createElement('span');
      m.tabIndex = -1;
      m.setAttribute('data-docket-keyboard-start', '');
      m.style.cssText = 'position:absolute;top:0;left:0;width:1px;height:1px;overflow:hidden';
      document.body.prepend(m);
      m.focus({preventScroll: true});
      state.marker = m;
      return document.activeElement === m;
    },
    // step returns {stop, desc, repeat, first, outside}: repeat when the
    // focus is on an element seen before (first: the first tab stop, a full
    // cycle), outside when the focus left the page (after the last stop).
    step() {
      if (state.marker) {
        state.marker.remove();
        state.marker = null;
      }
      const el = deepActive();
      if (!el || el === document.body || el === document.documentElement || !document.hasFocus()) {
        state.left++;
        state.prev = null;
        return {stop: -1, desc: '(outside the page)', repeat: false, first: false, outside: true};
      }
      const desc = describe(el);
      const prev = state.prev;
      state.prev = el;
      if (state.index.has(el)) {
        const i = state.index.get(el);
        if (el.localName === 'iframe' || el === prev) {
          // Tab moves through the frame's own document, or through the
          // fields of one control (the day, month and year of a date
          // input): the focus stays on the element it is on.
          return {stop: i, desc: desc, repeat: false, first: false, outside: false};
        }
        return {stop: i, desc: desc, repeat: true, first: i === 0, outside: false};
      }
      const i = state.stops.length;
      state.index.set(el, i);
      state.stops.push(el);
      state.focused.push(snapshot(el));
      return {stop: i, desc: desc, repeat: false, first: i === 0, outside: false};
    },
    finish() {
      if (state.marker) state.marker.remove();
      const active = deepActive();
      if (active && active.blur) active.blur();
      const stops = state.stops.map((el, i) => ({el: el, desc: describe(el), focused: state.focused[i]}));
      const noIndicator = [];
      const indicators = [];
      for (const s of stops) {
        const how = indicator(s.focused, snapshot(s.el));
        indicators.push(how);
        if (!how) {
          noIndicator.push(s.desc + ' (outline-style: ' + s.focused.outline['outline-style'] + ', box-shadow: ' + s.focused.box['box-shadow'] + ')');
        }
      }
      const reached = new Set(state.stops);
      const groups = new Set(state.stops.map(radioGroup).filter(Boolean));
      const unreached = interactive()
        .filter((el) => !reached.has(el) && !(radioGroup(el) && groups.has(radioGroup(el))))
        .map((el) => describe(el) + (el.hasAttribute('tabindex') ? ' (tabindex=' + el.getAttribute('tabindex') + ')' : ''));
      const positive = Array.from(document.querySelectorAll('[tabindex]'))
        .filter((el) => parseInt(el.getAttribute('tabindex'), 10) > 0)
        .map((el) => describe(el) + ' (tabindex=' + el.getAttribute('tabindex') + ')');

      let skipLink = '';
      let skipProblem = '';
      const first = state.stops[0];
      const mains = Array.from(document.querySelectorAll('main, [role="main"]'));
      if (!first) {
        skipProblem = 'no element takes the focus';
      } else {
        const href = first.localName === 'a' ? first.getAttribute('href') || '' : '';
        const target = href.startsWith('#') && href.length > 1 ? document.getElementById(decodeURIComponent(href.slice(1))) : null;
        if (!href.startsWith('#')) {
          skipProblem = 'the first tab stop is ' + describe(first) + ', not a link to #<id of main>';
        } else if (!mains.length) {
          skipProblem = 'the page has no <main> element for the skip link ' + describe(first) + ' to point at';
        } else if (!target) {
          skipProblem = 'the first tab stop ' + describe(first) + ' points at no element with that id';
        } else if (!target.matches('main, [role="main"]')) {
          skipProblem = 'the first tab stop ' + describe(first) + ' points at ' + describe(target) + ', not at the <main> element';
        } else {
          skipLink = describe(first);
        }
      }
      delete window.__docketKeyboard;
      return {
        stops: stops.map((s, i) => s.desc + (indicators[i] ? '' : ' [no focus indicator]')),
        indicators: indicators,
        noIndicator: noIndicator,
        unreached: unreached,
        positiveTabindex: positive,
        skipLink: skipLink,
        skipProblem: skipProblem,
      };
    },
  };
  return true;
})()
