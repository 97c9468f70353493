// word2vec-numpy explorer: the page's only script (no libraries, nothing from the network).
//
// Every word from the model is put into the page as text (textContent, text nodes, canvas
// fillText), never parsed as HTML: this file has no innerHTML, outerHTML,
// insertAdjacentHTML or document.write, and the server's Content-Security-Policy forbids
// inline scripts besides.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const NUM = new Intl.NumberFormat("en");
  const SVG_NS = "http://www.w3.org/2000/svg";

  // ------------------------------------------------------------------ small helpers
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  async function api(path, params) {
    const url = new URL(path, window.location.origin);
    for (const [key, value] of Object.entries(params || {})) {
      if (Array.isArray(value)) value.forEach((v) => url.searchParams.append(key, v));
      else if (value !== undefined && value !== null) url.searchParams.set(key, value);
    }
    const response = await fetch(url, { headers: { accept: "application/json" } });
    let body;
    try {
      body = await response.json();
    } catch (_) {
      body = { error: response.statusText || "bad response" };
    }
    if (!response.ok) {
      const error = new Error(body.error || response.statusText);
      error.status = response.status;
      error.body = body;
      throw error;
    }
    return body;
  }

  const fixed = (x, digits) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));
  const pct = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%");
  const quoted = (word) => "\u201c" + word + "\u201d";

  function compact(x) {
    if (x === null || x === undefined) return "–";
    if (x >= 1e9) return (x / 1e9).toFixed(2) + " B";
    if (x >= 1e6) return (x / 1e6).toFixed(x >= 1e7 ? 1 : 2) + " M";
    if (x >= 1e4) return Math.round(x / 1e3) + " k";
    return NUM.format(Math.round(x));
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 90) return seconds.toFixed(1) + " s";
    const m = Math.floor(seconds / 60);
    return m + " min " + Math.round(seconds - 60 * m) + " s";
  }

  // ------------------------------------------------------------------ state and views
  const state = {
    info: null,
    word: null,
    neighbours: [],
    searchId: 0,
    mapN: 1000,
    mapMethod: "pca",
    view: "explore",
    reportLoaded: false,
  };

  function parseHash() {
    let hash = window.location.hash.slice(1);
    try {
      hash = decodeURIComponent(hash);
    } catch (e) {
      // a malformed % escape (a link typed by hand, "#explore/50%"): taken as written
    }
    const slash = hash.indexOf("/");
    const view = slash < 0 ? hash : hash.slice(0, slash);
    const word = slash < 0 ? null : hash.slice(slash + 1);
    return { view: ["explore", "analogy", "report"].includes(view) ? view : "explore", word };
  }

  function go(view, word) {
    const hash = "#" + view + (word ? "/" + encodeURIComponent(word) : "");
    if (window.location.hash === hash) applyHash();
    else window.location.hash = hash;
  }

  function showView(view) {
    if (view === "report" && $("tab-report").hidden) view = "explore";
    state.view = view;
    for (const tab of document.querySelectorAll(".tabs button")) {
      tab.setAttribute("aria-selected", String(tab.dataset.view === view));
    }
    for (const name of ["explore", "analogy", "report"]) $("view-" + name).hidden = name !== view;
    if (view === "explore") mapView.draw();
    if (view === "report") loadReport();
  }

  function applyHash() {
    const { view, word } = parseHash();
    showView(view);
    if (view === "explore" && word && word !== state.word) search(word);
  }

  // ------------------------------------------------------------------ autocomplete
  // A list of the commonest words starting with what is typed, under an input; arrows
  // move, Enter or a click chooses, Escape closes.
  function autocomplete(input, list, onChoose) {
    let items = [];
    let active = -1;
    let timer = null;
    let requestId = 0;

    function close() {
      clearTimeout(timer);
      requestId++; // a suggestion list still on its way is not shown
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function mark() {
      [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    }

    function render(words) {
      items = words;
      clear(list);
      active = -1;
      words.forEach((word, i) => {
        const li = el("li", { role: "option", "aria-selected": "false" }, el("span", { text: word }));
        li.addEventListener("mousedown", (event) => {
          event.preventDefault(); // keep the focus in the input
          choose(i);
        });
        list.append(li);
      });
      const show = words.length > 0 && !(words.length === 1 && words[0] === input.value);
      list.hidden = !show;
      input.setAttribute("aria-expanded", String(show));
    }

    function choose(i) {
      input.value = items[i];
      close();
      onChoose(items[i]);
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      const prefix = input.value;
      if (!prefix.trim()) {
        close();
        return;
      }
      timer = setTimeout(async () => {
        const id = ++requestId;
        try {
          const result = await api("/api/vocab", { prefix, limit: 8 });
          if (id === requestId && input.value === prefix && document.activeElement === input) {
            render(result.words);
          }
        } catch (_) {
          close();
        }
      }, 90);
    });
    input.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        active = (active + step + items.length + 1) % (items.length + 1);
        if (active === items.length) active = -1;
        mark();
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 120));
    return { close };
  }

  // ------------------------------------------------------------------ ranked bars
  function renderBars(list, rows, scale, onPick) {
    clear(list);
    const top = Math.max(...rows.map((r) => r.score || 0), 1e-9);
    rows.forEach((row, i) => {
      const width = scale === "cosine" ? Math.max(0, row.score || 0) : Math.max(0, (row.score || 0) / top);
      const fill = el("span", { class: "fill" });
      const item = el(
        "li",
        {},
        el("span", { class: "n", text: String(i + 1) }),
        el("button", { type: "button", class: "word", title: row.word, onclick: () => onPick(row.word) }, row.word),
        el("span", { class: "track" }, fill),
        el("span", { class: "val", text: fixed(row.score, 3) }),
      );
      list.append(item);
      requestAnimationFrame(() => {
        fill.style.width = (100 * width).toFixed(1) + "%";
      });
    });
  }

  function renderUnknown(target, unknown, onPick) {
    clear(target);
    target.classList.add("error");
    unknown.forEach((entry, i) => {
      if (i) target.append(el("br"));
      target.append(quoted(entry.word) + " is not in the vocabulary.");
      if (entry.suggestions && entry.suggestions.length) {
        target.append(" Did you mean ");
        entry.suggestions.forEach((s, j) => {
          if (j) target.append(" ");
          target.append(el("button", { type: "button", class: "chip", onclick: () => onPick(entry.word, s) }, s));
        });
        target.append("?");
      }
    });
  }

  function setStatus(target, text, isError) {
    clear(target);
    target.classList.toggle("error", Boolean(isError));
    if (text) target.append(text);
  }

  // ------------------------------------------------------------------ neighbours
  const searchInput = $("search");
  const searchBox = autocomplete(searchInput, $("suggest"), (word) => go("explore", word));

  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    searchBox.close();
    const word = searchInput.value.trim();
    if (word) go("explore", word);
  });
  $("topn").addEventListener("change", () => state.word && search(state.word, true));

  async function search(word, again) {
    const id = ++state.searchId;
    state.word = word;
    searchInput.value = word;
    setStatus($("search-status"), "");
    try {
      const result = await api("/api/neighbours", { word, topn: $("topn").value });
      if (id !== state.searchId) return;
      $("explore-empty").hidden = true;
      const title = clear($("neighbours-title"));
      title.hidden = false;
      title.append(result.word);
      const detail = "#" + NUM.format(result.rank) + " most frequent" +
        (state.info && state.info.kind === "model" ? " · " + NUM.format(result.count) + " occurrences" : "");
      title.append(el("small", { text: detail }));
      renderBars($("neighbours"), result.neighbours, "cosine", (w) => go("explore", w));
      state.neighbours = result.neighbours.map((n) => n.word);
      mapView.highlight(word, state.neighbours, !again);
    } catch (error) {
      if (id !== state.searchId) return;
      clear($("neighbours"));
      $("neighbours-title").hidden = true;
      state.neighbours = [];
      mapView.highlight(null, [], false);
      if (error.body && error.body.unknown) {
        renderUnknown($("search-status"), error.body.unknown, (_, s) => go("explore", s));
      } else {
        setStatus($("search-status"), error.message, true);
      }
    }
  }

  // ------------------------------------------------------------------ the map
  const mapView = (() => {
    const canvas = $("map");
    const wrap = $("map-wrap");
    const tip = $("map-tip");
    const ctx = canvas.getContext("2d");
    let data = null; // {words, x, y, method, n, ...}
    let index = new Map();
    let widths = [];
    let view = { k: 1, cx: 0, cy: 0 };
    let fitK = 1;
    let hover = -1;
    let focus = -1;
    let marked = new Set();
    let size = { w: 0, h: 0 };
    let colours = {};
    const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif";
    const BOLD = "600 13px system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif";

    function readColours() {
      const css = getComputedStyle(document.documentElement);
      const get = (name) => css.getPropertyValue(name).trim();
      colours = { ink: get("--ink"), muted: get("--muted"), accent: get("--accent"), hot: get("--hot"), card: get("--card") };
    }

    function screen(i) {
      return [size.w / 2 + (data.x[i] - view.cx) * view.k, size.h / 2 - (data.y[i] - view.cy) * view.k];
    }

    function fit() {
      if (!data || !data.n) return;
      let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      for (let i = 0; i < data.n; i++) {
        x0 = Math.min(x0, data.x[i]); x1 = Math.max(x1, data.x[i]);
        y0 = Math.min(y0, data.y[i]); y1 = Math.max(y1, data.y[i]);
      }
      const dx = Math.max(x1 - x0, 1e-9), dy = Math.max(y1 - y0, 1e-9);
      fitK = 0.88 * Math.min(size.w / dx, size.h / dy);
      view = { k: fitK, cx: (x0 + x1) / 2, cy: (y0 + y1) / 2 };
    }

    function resize() {
      const rect = wrap.getBoundingClientRect();
      const ratio = window.devicePixelRatio || 1;
      const first = size.w === 0;
      size = { w: Math.max(1, rect.width), h: Math.max(1, rect.height) };
      canvas.width = Math.round(size.w * ratio);
      canvas.height = Math.round(size.h * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      if (first || !data) fit();
    }

    // Labels go on greedily, most important first, wherever they overlap no label already
    // placed (a grid of buckets makes the overlap test cheap).
    function labeller() {
      const cell = 48;
      const grid = new Map();
      return (x, y, w, h) => {
        const box = [x - 2, y - h, x + w + 2, y + 3];
        const c0 = Math.floor(box[0] / cell), c1 = Math.floor(box[2] / cell);
        const r0 = Math.floor(box[1] / cell), r1 = Math.floor(box[3] / cell);
        for (let c = c0; c <= c1; c++) {
          for (let r = r0; r <= r1; r++) {
            for (const b of grid.get(c + "," + r) || []) {
              if (box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]) return false;
            }
          }
        }
        for (let c = c0; c <= c1; c++) {
          for (let r = r0; r <= r1; r++) {
            const key = c + "," + r;
            if (!grid.has(key)) grid.set(key, []);
            grid.get(key).push(box);
          }
        }
        return true;
      };
    }

    function draw() {
      if (state.view !== "explore") return;
      if (!size.w || wrap.getBoundingClientRect().width !== size.w) resize();
      ctx.clearRect(0, 0, size.w, size.h);
      if (!data) return;
      readColours();
      const n = data.n;
      const onScreen = (p) => p[0] > -20 && p[0] < size.w + 20 && p[1] > -20 && p[1] < size.h + 20;
      const pts = new Array(n);
      for (let i = 0; i < n; i++) pts[i] = screen(i);

      // lines from the searched word to its neighbours on the map
      if (focus >= 0) {
        ctx.strokeStyle = colours.hot;
        ctx.globalAlpha = 0.35;
        ctx.lineWidth = 1.2;
        for (const j of marked) {
          ctx.beginPath();
          ctx.moveTo(pts[focus][0], pts[focus][1]);
          ctx.lineTo(pts[j][0], pts[j][1]);
          ctx.stroke();
        }
      }
      // every word: frequent words a little larger and darker
      ctx.fillStyle = colours.accent;
      for (let i = n - 1; i >= 0; i--) {
        const p = pts[i];
        if (!onScreen(p)) continue;
        const f = 1 - i / n;
        ctx.globalAlpha = 0.28 + 0.45 * f;
        ctx.beginPath();
        ctx.arc(p[0], p[1], 1.6 + 2.2 * f * f, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      // highlighted words on top
      const ring = (i, radius, fill) => {
        ctx.beginPath();
        ctx.arc(pts[i][0], pts[i][1], radius, 0, 2 * Math.PI);
        ctx.fillStyle = fill;
        ctx.fill();
        ctx.lineWidth = 2;
        ctx.strokeStyle = colours.card;
        ctx.stroke();
      };
      for (const j of marked) ring(j, 5, colours.accent);
      if (focus >= 0) ring(focus, 7.5, colours.hot);
      if (hover >= 0) ring(hover, 5.5, colours.ink);

      // labels: the highlighted words, then the most frequent ones that fit
      const place = labeller();
      // Each label tries the right of its point, then the left, above and below; the
      // searched word is labelled even where it must overlap.
      const label = (i, font, colour, force) => {
        const p = pts[i];
        if (!onScreen(p)) return;
        ctx.font = font;
        const w = font === BOLD ? ctx.measureText(data.words[i]).width : widths[i];
        const h = font === BOLD ? 14 : 12;
        const spots = [[p[0] + 7, p[1] + 4], [p[0] - 7 - w, p[1] + 4], [p[0] - w / 2, p[1] - 8],
          [p[0] - w / 2, p[1] + h + 6]];
        let spot = spots.find(([x, y]) => place(x, y, w, h));
        if (!spot) {
          if (!force) return;
          spot = spots[0];
        }
        ctx.fillStyle = colours.card;
        ctx.globalAlpha = 0.8;
        ctx.fillRect(spot[0] - 2, spot[1] - h + 1, w + 4, h + 2);
        ctx.globalAlpha = 1;
        ctx.fillStyle = colour;
        ctx.fillText(data.words[i], spot[0], spot[1]);
      };
      if (focus >= 0) label(focus, BOLD, colours.hot, true);
      for (const j of marked) label(j, BOLD, colours.accent, false);
      let budget = 400;
      for (let i = 0; i < n && budget > 0; i++) {
        if (i === focus || marked.has(i) || !onScreen(pts[i])) continue;
        label(i, FONT, colours.muted, false);
        budget--;
      }
    }

    function nearest(mx, my) {
      if (!data) return -1;
      let best = -1, bestD = 12 * 12;
      for (let i = 0; i < data.n; i++) {
        const p = screen(i);
        const d = (p[0] - mx) ** 2 + (p[1] - my) ** 2;
        if (d < bestD) { bestD = d; best = i; }
      }
      return best;
    }

    function showTip(i) {
      if (i < 0) {
        tip.hidden = true;
        return;
      }
      const p = screen(i);
      clear(tip).append(data.words[i], el("small", { text: "#" + NUM.format(i + 1) }));
      tip.style.left = p[0] + "px";
      tip.style.top = p[1] + "px";
      tip.hidden = false;
    }

    // zoom (wheel, double click), pan (drag), hover and click
    let drag = null;
    canvas.addEventListener("wheel", (event) => {
      if (!data) return;
      event.preventDefault();
      const rect = canvas.getBoundingClientRect();
      zoomAt(event.clientX - rect.left, event.clientY - rect.top, Math.exp(-event.deltaY * 0.0015));
    }, { passive: false });
    canvas.addEventListener("dblclick", (event) => {
      const rect = canvas.getBoundingClientRect();
      zoomAt(event.clientX - rect.left, event.clientY - rect.top, event.shiftKey ? 0.5 : 2);
    });
    function zoomAt(mx, my, factor) {
      const dx = view.cx + (mx - size.w / 2) / view.k;
      const dy = view.cy - (my - size.h / 2) / view.k;
      view.k = Math.min(fitK * 400, Math.max(fitK * 0.3, view.k * factor));
      view.cx = dx - (mx - size.w / 2) / view.k;
      view.cy = dy + (my - size.h / 2) / view.k;
      hover = -1;
      showTip(-1);
      draw();
    }
    canvas.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY, moved: false };
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", (event) => {
      const rect = canvas.getBoundingClientRect();
      if (drag) {
        const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
        if (drag.moved || Math.abs(dx) + Math.abs(dy) > 3) {
          drag.moved = true;
          canvas.classList.add("dragging");
          view.cx -= dx / view.k;
          view.cy += dy / view.k;
          drag.x = event.clientX;
          drag.y = event.clientY;
          showTip(-1);
          draw();
          return;
        }
      }
      const i = nearest(event.clientX - rect.left, event.clientY - rect.top);
      if (i !== hover) {
        hover = i;
        showTip(i);
        draw();
      }
    });
    canvas.addEventListener("pointerup", () => {
      canvas.classList.remove("dragging");
      const clicked = drag && !drag.moved;
      drag = null;
      if (clicked && hover >= 0) go("explore", data.words[hover]);
    });
    canvas.addEventListener("pointerleave", () => {
      if (hover >= 0) {
        hover = -1;
        showTip(-1);
        draw();
      }
    });
    $("map-reset").addEventListener("click", () => {
      fit();
      draw();
    });
    new ResizeObserver(() => {
      if (state.view === "explore") {
        resize();
        draw();
      }
    }).observe(wrap);
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", draw);

    function describe() {
      const status = $("map-status");
      if (!data) return;
      const count = NUM.format(data.n);
      let text = data.method === "pca"
        ? "PCA of the " + count + " most frequent words · the axes explain " +
          pct(data.explained[0]) + " and " + pct(data.explained[1]) + " of the variance"
        : "t-SNE of the " + count + " most frequent words (perplexity " +
          Math.round(data.perplexity) + ", " + data.seconds.toFixed(1) + " s)";
      if (state.word && focus < 0 && state.neighbours.length) {
        text += " · " + quoted(state.word) + " is not among them";
      } else if (state.word && focus >= 0) {
        text += " · " + marked.size + " of its " + state.neighbours.length + " neighbours are on the map";
      }
      setStatus(status, text);
    }

    function highlight(word, neighbours, recentre) {
      if (!data) return;
      focus = word !== null && index.has(word) ? index.get(word) : -1;
      marked = new Set(neighbours.filter((w) => index.has(w)).map((w) => index.get(w)));
      if (recentre && focus >= 0) {
        const p = screen(focus);
        const margin = 30;
        if (p[0] < margin || p[0] > size.w - margin || p[1] < margin || p[1] > size.h - margin) {
          view.cx = data.x[focus];
          view.cy = data.y[focus];
        }
      }
      describe();
      draw();
    }

    async function load() {
      const n = state.mapN, method = state.mapMethod;
      const busy = $("map-busy");
      $("map-busy-text").textContent = method === "tsne"
        ? "Computing t-SNE of " + NUM.format(Math.min(n, state.info.words)) + " words…"
        : "Projecting…";
      busy.hidden = false;
      for (const b of document.querySelectorAll(".map-toolbar button, .map-toolbar select")) b.disabled = true;
      try {
        const result = await api("/api/map", { n, method });
        if (n !== state.mapN || method !== state.mapMethod) return;
        data = result;
        index = new Map(result.words.map((w, i) => [w, i]));
        ctx.font = FONT;
        widths = result.words.map((w) => ctx.measureText(w).width);
        hover = -1;
        resize();
        fit();
        highlight(state.word, state.neighbours, false);
        describe();
        draw();
      } catch (error) {
        setStatus($("map-status"), error.message, true);
      } finally {
        busy.hidden = true;
        for (const b of document.querySelectorAll(".map-toolbar button, .map-toolbar select")) b.disabled = false;
        syncControls();
      }
    }

    return { draw, load, highlight };
  })();

  function syncControls() {
    for (const b of document.querySelectorAll(".map-toolbar [data-method]")) {
      b.setAttribute("aria-pressed", String(b.dataset.method === state.mapMethod));
      if (b.dataset.method === "tsne" && state.info && !state.info.tsne) {
        b.disabled = true;
        b.title = "t-SNE needs scikit-learn: pip install 'word2vec-numpy[plot]'";
      }
    }
    if (!state.info) return;
    const cap = state.mapMethod === "tsne" ? state.info.limits.tsne : state.info.limits.map;
    for (const option of $("map-n").options) option.disabled = Number(option.value) > cap;
  }

  for (const button of document.querySelectorAll(".map-toolbar [data-method]")) {
    button.addEventListener("click", () => {
      if (state.mapMethod === button.dataset.method) return;
      state.mapMethod = button.dataset.method;
      if (state.mapMethod === "tsne" && state.mapN > state.info.limits.tsne) {
        // the largest size on the menu that t-SNE takes (the cap itself may not be on it)
        const sizes = [...$("map-n").options].map((o) => Number(o.value));
        state.mapN = Math.max(...sizes.filter((n) => n <= state.info.limits.tsne));
        $("map-n").value = String(state.mapN);
      }
      syncControls();
      mapView.load();
    });
  }
  $("map-n").addEventListener("change", () => {
    state.mapN = Number($("map-n").value);
    mapView.load();
  });

  // ------------------------------------------------------------------ analogies
  let analogyMode = "abc";
  for (const button of document.querySelectorAll("[data-mode]")) {
    button.addEventListener("click", () => {
      analogyMode = button.dataset.mode;
      for (const b of document.querySelectorAll("[data-mode]")) b.setAttribute("aria-pressed", String(b === button));
      $("abc-fields").hidden = analogyMode !== "abc";
      $("list-fields").hidden = analogyMode !== "lists";
    });
  }
  // each of a, b, c gets its own suggestion list
  for (const id of ["an-a", "an-b", "an-c"]) {
    const input = $(id);
    const combo = el("span", { class: "combo" });
    const list = el("ul", { class: "suggest", role: "listbox", hidden: true });
    input.replaceWith(combo);
    combo.append(input, list);
    autocomplete(input, list, () => {});
  }
  $("an-example").addEventListener("click", () => {
    $("an-a").value = "king";
    $("an-b").value = "man";
    $("an-c").value = "woman";
    $("analogy-form").requestSubmit();
  });

  const splitWords = (text) => text.split(/\s+/).filter(Boolean);

  $("analogy-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = $("analogy-status");
    const method = new FormData($("analogy-form")).get("method") || "3cosadd";
    let params;
    if (analogyMode === "abc") {
      const [a, b, c] = ["an-a", "an-b", "an-c"].map((id) => $(id).value.trim());
      if (!a || !b || !c) {
        setStatus(status, "Fill in a, b and c: the answer d is to c as a is to b.", true);
        return;
      }
      params = { a, b, c, method, topn: 10 };
    } else {
      const positive = splitWords($("an-pos").value), negative = splitWords($("an-neg").value);
      if (!positive.length) {
        setStatus(status, "Give at least one positive word.", true);
        return;
      }
      params = { positive, negative, method, topn: 10 };
    }
    setStatus(status, "");
    $("an-answer").textContent = "?";
    try {
      const result = await api("/api/analogy", params);
      const expression = analogyMode === "abc"
        ? params.a + " − " + params.b + " + " + params.c
        : result.positive.join(" + ") + (result.negative.length ? " − " + result.negative.join(" − ") : "");
      setStatus(status, expression + " (" + (method === "3cosmul" ? "3CosMul" : "3CosAdd") + ")");
      if (result.results.length) $("an-answer").textContent = result.results[0].word;
      renderBars($("analogy-results"), result.results, method === "3cosadd" ? "cosine" : "relative",
        (w) => go("explore", w));
    } catch (error) {
      clear($("analogy-results"));
      if (error.body && error.body.unknown) {
        renderUnknown(status, error.body.unknown, (wrong, right) => {
          const ids = analogyMode === "abc" ? ["an-a", "an-b", "an-c"] : ["an-pos", "an-neg"];
          for (const id of ids) {
            const words = splitWords($(id).value).map((w) => (w === wrong ? right : w));
            $(id).value = words.join(" ");
          }
          $("analogy-form").requestSubmit();
        });
      } else {
        setStatus(status, error.message, true);
      }
    }
  });

  // ------------------------------------------------------------------ report
  function statCard(label, value, unit) {
    return el("div", { class: "stat" }, el("div", { class: "label", text: label }),
      el("div", { class: "value" }, value, unit ? el("span", { class: "unit", text: " " + unit }) : null));
  }

  // The loss chart: the logged losses (downsampled) as a line, the mean loss of each epoch
  // as dots at the middle of its epoch.
  function lossChart(curve, epochs) {
    const W = 640, H = 260, L = 52, R = 16, T = 14, B = 34;
    const all = (curve || []).concat(epochs || []).filter((v) => v !== null);
    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": "training loss" });
    if (!all.length) return chart;
    let lo = Math.min(...all), hi = Math.max(...all);
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    const pad = 0.06 * (hi - lo);
    lo -= pad; hi += pad;
    const X = (t) => L + t * (W - L - R);
    const Y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
    for (let g = 0; g <= 4; g++) {
      const v = lo + (g / 4) * (hi - lo);
      chart.append(svg("line", { class: "grid", x1: L, x2: W - R, y1: Y(v), y2: Y(v) }));
      chart.append(svg("text", { class: "axis-label", x: L - 8, y: Y(v) + 4, "text-anchor": "end" }, v.toFixed(3)));
    }
    if (curve && curve.length > 1) {
      const d = curve.map((v, i) => (i ? "L" : "M") + X(i / (curve.length - 1)).toFixed(1) + " " + Y(v).toFixed(1)).join("");
      chart.append(svg("path", { class: "curve", d }));
    }
    const E = (epochs || []).length;
    if (E) {
      const at = (i) => X(E === 1 ? 0.5 : (i + 0.5) / E);
      if (E > 1) {
        const d = epochs.map((v, i) => (i ? "L" : "M") + at(i).toFixed(1) + " " + Y(v).toFixed(1)).join("");
        chart.append(svg("path", { class: "epoch-line", d }));
      }
      epochs.forEach((v, i) => {
        const dot = svg("circle", { class: "epoch", cx: at(i), cy: Y(v), r: 5 });
        dot.append(svg("title", {}, "epoch " + (i + 1) + ": " + fixed(v, 4)));
        chart.append(dot);
        if (E <= 20 || i % Math.ceil(E / 20) === 0) {
          chart.append(svg("text", { class: "axis-label", x: at(i), y: H - 12, "text-anchor": "middle" }, "epoch " + (i + 1)));
        }
      });
    }
    return chart;
  }

  function table(headers, rows, numeric) {
    return el(
      "table",
      { class: "kv" },
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { text: h })))),
      el("tbody", {}, rows.map((row) => el("tr", {}, row.map((cell, i) =>
        cell instanceof Node ? el("td", {}, cell) : el("td", { class: numeric[i] ? "num" : null, text: String(cell) }))))),
    );
  }

  function meter(fraction) {
    const span = el("span");
    span.style.width = (100 * Math.max(0, Math.min(1, fraction || 0))).toFixed(1) + "%";
    return el("div", { class: "meter" }, span);
  }

  function renderReport(report) {
    const root = clear($("report"));
    const t = report.training || {};
    const e = report.evaluation || null;
    const epochs = t.epoch_losses || [];
    const stats = el("div", { class: "stats" });
    if (t.corpus_tokens !== undefined) stats.append(statCard("Corpus", compact(t.corpus_tokens), "tokens"));
    if (t.vocab_size !== undefined) stats.append(statCard("Vocabulary", NUM.format(t.vocab_size), "words"));
    if (t.seconds !== undefined) stats.append(statCard("Training time", duration(t.seconds)));
    if (t.words_per_second !== undefined) stats.append(statCard("Speed", compact(t.words_per_second), "words/s"));
    if (epochs.length) stats.append(statCard("Epochs", String(epochs.length)));
    if (t.final_loss !== undefined && t.final_loss !== null) stats.append(statCard("Final loss", fixed(t.final_loss, 4)));
    if (e && e.analogies) stats.append(statCard("Analogies", pct(e.analogies.accuracy)));
    if (stats.children.length) root.append(stats);

    const grid = el("div", { class: "report-grid" });
    if (epochs.length || report.loss_curve) {
      const note = report.loss_curve
        ? "The line is the loss logged during training; the dots are each epoch's mean."
        : "Each dot is the mean loss of one epoch.";
      grid.append(el("div", { class: "card" }, el("h2", { text: "Training loss" }),
        lossChart(report.loss_curve, epochs), el("p", { class: "muted", text: note })));
    }
    const hp = t.hyperparameters;
    if (hp) {
      const rows = Object.entries(hp).map(([k, v]) => [k, v === null ? "default" : typeof v === "object" ? JSON.stringify(v) : String(v)]);
      if (t.corpus) rows.unshift(["corpus", String(t.corpus)]);
      grid.append(el("div", { class: "card" }, el("h2", { text: "Hyperparameters" }), table(["option", "value"], rows, [false, true])));
    }
    root.append(grid);

    const evalCard = el("div", { class: "card" }, el("h2", { text: "Evaluation" }));
    if (!e) {
      evalCard.append(el("p", { class: "muted" }, "No scores yet. Run ",
        el("code", { text: "word2vec-numpy evaluate MODEL --save" }),
        " to store them beside the model, then reload this page."));
    } else {
      if (e.analogies) {
        const a = e.analogies;
        evalCard.append(
          el("div", { class: "big-score", text: pct(a.accuracy) }),
          el("p", { class: "muted", text:
            "analogies correct: " + NUM.format(a.correct) + " of " + NUM.format(a.total) +
            " · semantic " + pct(a.semantic && a.semantic.accuracy) + " · syntactic " + pct(a.syntactic && a.syntactic.accuracy) +
            " · " + NUM.format(a.skipped) + " questions skipped (words outside the vocabulary)" }),
          table(["section", "correct", "total", "accuracy", ""],
            a.sections.map((s) => [s.section, NUM.format(s.correct), NUM.format(s.total), s.total ? pct(s.accuracy) : "–", meter(s.accuracy)]),
            [false, true, true, true, false]),
        );
      }
      if (e.pairs && e.pairs.length) {
        evalCard.append(el("h2", { text: "Word similarity" }),
          table(["file", "Spearman", "Pearson", "pairs", "out of vocabulary"],
            e.pairs.map((p) => [String(p.source).split(/[\\/]/).pop(), fixed(p.spearman, 3), fixed(p.pearson, 3), NUM.format(p.pairs), fixed(p.oov_ratio, 1) + "%"]),
            [false, true, true, true, true]));
      }
    }
    root.append(evalCard);
  }

  async function loadReport() {
    if (state.reportLoaded) return;
    state.reportLoaded = true;
    try {
      const { report } = await api("/api/report");
      if (report) renderReport(report);
      else $("report").append(el("p", { class: "muted", text: "This model has no report." }));
    } catch (error) {
      state.reportLoaded = false;
      $("report").append(el("p", { class: "status error", text: error.message }));
    }
  }

  // ------------------------------------------------------------------ start
  for (const tab of document.querySelectorAll(".tabs button")) {
    tab.addEventListener("click", () => go(tab.dataset.view, tab.dataset.view === "explore" ? state.word : null));
  }
  window.addEventListener("hashchange", applyHash);

  (async () => {
    try {
      state.info = await api("/api/info");
    } catch (error) {
      setStatus($("model-info"), "cannot reach the server: " + error.message, true);
      return;
    }
    const info = state.info;
    clear($("model-info")).append(
      el("b", { text: info.name }),
      " · " + NUM.format(info.words) + " words · " + info.dim + " dimensions" +
        (info.kind === "vectors" ? " · vectors only" : ""),
    );
    document.title = info.name + " · word2vec-numpy explorer";
    $("tab-report").hidden = !info.has_report;
    // the map's sizes: only those the vocabulary can fill, plus the whole vocabulary if small
    const select = $("map-n");
    for (const option of [...select.options]) if (Number(option.value) > info.words) option.remove();
    if (info.words < 5000 && ![...select.options].some((o) => Number(o.value) === info.words)) {
      select.append(el("option", { value: info.words, text: "all " + NUM.format(info.words) }));
    }
    state.mapN = Math.min(1000, info.words);
    select.value = String(state.mapN);
    syncControls();
    applyHash();
    mapView.load();
  })();
})();
