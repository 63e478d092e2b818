/* reprints report: the family list, one family (origin, tree, timeline, members) and two
   versions side by side. Data comes from the JSON blocks of this page: "reprints-meta",
   "reprints-index" (one entry per family) and "fam-K" (one family, parsed when opened).
   Every text from the data goes into the page through textContent, never as markup. */
(function () {
  "use strict";

  var PAGE_SIZE = 50;
  var KINDS = ["verbatim", "near-verbatim", "reworded", "translated"];
  var RELATIONS = ["identical", "reformatted", "excerpt", "partial", "rewrite", "translation", "unrelated"];
  var SVGNS = "http://www.w3.org/2000/svg";

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var META = readJSON("reprints-meta") || {};
  var INDEX = readJSON("reprints-index") || [];
  var BY_ID = new Map();
  INDEX.forEach(function (e) { BY_ID.set(e.id, e); });
  var LOADED = new Map();
  var list = { q: "", sort: "size-desc", page: 0 };
  var COLORS = {};
  (function () {
    var css = getComputedStyle(document.documentElement);
    RELATIONS.concat(["origin"]).forEach(function (r) {
      var v = css.getPropertyValue(r === "origin" ? "--origin" : "--r-" + r).trim();
      COLORS[r] = v || "#57606a";
    });
  })();

  // ---------------------------------------------------------------- small helpers

  function el(tag, props) {
    var node = document.createElement(tag);
    setProps(node, props);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function sv(tag, attrs) {
    var node = document.createElementNS(SVGNS, tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") node.textContent = attrs[k];
        else if (k === "onclick") node.addEventListener("click", attrs[k]);
        else if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
      });
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function setProps(node, props) {
    if (!props) return;
    Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "className") node.className = v;
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.keys(v).forEach(function (d) { node.dataset[d] = v[d]; });
      else if (k === "value") node.value = v;
      else node.setAttribute(k, v);
    });
  }

  function append(node, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(function (k) { append(node, k); }); return; }
    node.appendChild(typeof kid === "object" ? kid : document.createTextNode(String(kid)));
  }

  function enc(s) { return encodeURIComponent(s); }
  function dec(s) { try { return decodeURIComponent(s); } catch (e) { return s; } }
  function familyHash(fid) { return "#family/" + enc(fid); }
  function pairHash(fid, a, b) { return "#pair/" + enc(fid) + "/" + enc(a) + "/" + enc(b); }
  function go(hash) { if (location.hash !== hash) location.hash = hash; else route(); }
  function pct(x) { return (x === null || x === undefined) ? "n/a" : Math.round(x * 100) + "%"; }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : (many || one + "s")); }

  function shortId(id, max) {
    max = max || 22;
    var s = id.split("/").pop().replace(/\.(txt|md|markdown|html?|jsonl?)$/i, "") || id;
    return s.length > max ? s.slice(0, max - 1) + "\u2026" : s;
  }

  function relChip(rel, extra) {
    return el("span", { className: "rel " + rel, title: extra || null }, rel);
  }

  function words(text, spans) {
    var n = 0;
    spans.forEach(function (s) {
      var part = text.slice(s[0], s[1]).trim();
      if (part) n += part.split(/\s+/).length;
    });
    return n;
  }

  function dayNumber(iso) { return Math.round(Date.parse(iso + "T00:00:00Z") / 86400000); }
  function isoOfDay(n) { return new Date(n * 86400000).toISOString().slice(0, 10); }

  // ---------------------------------------------------------------- family data

  function loadFamily(fid) {
    var entry = BY_ID.get(fid);
    if (!entry) return null;
    if (LOADED.has(entry.k)) return LOADED.get(entry.k);
    var fam = readJSON("fam-" + entry.k);
    if (!fam) return null;
    fam.entry = entry;
    fam.pairMap = new Map();
    fam.pairs.forEach(function (p) {
      fam.pairMap.set(p.a + "\u0000" + p.b, p);
      fam.pairMap.set(p.b + "\u0000" + p.a, p);
    });
    fam.parent = new Map();
    fam.edgeOf = new Map();
    fam.children = new Map();
    fam.members.forEach(function (m) { fam.children.set(m, []); });
    fam.tree.forEach(function (e) {
      fam.parent.set(e.child, e.parent);
      fam.edgeOf.set(e.child, e);
      if (fam.children.has(e.parent)) fam.children.get(e.parent).push(e.child);
    });
    fam.memberSet = new Set(fam.members);
    LOADED.set(entry.k, fam);
    return fam;
  }

  function pairOf(fam, x, y) { return fam.pairMap.get(x + "\u0000" + y) || null; }
  function doc(fam, id) { return fam.docs[id] || null; }
  function docTitle(fam, id) {
    var d = doc(fam, id);
    if (!d) return "";
    if (d.meta.title) return String(d.meta.title);
    var line = (d.text.split("\n").find(function (l) { return l.trim(); }) || "").trim();
    return line.length > 90 ? line.slice(0, 87) + "..." : line;
  }

  /** The natural pair to open for member m: its parent and it, or the origin and its first child. */
  function pairFor(fam, m) {
    if (fam.parent.has(m)) return [fam.parent.get(m), m];
    var kids = fam.children.get(m) || [];
    if (kids.length) return [m, kids[0]];
    var other = fam.members.find(function (x) { return x !== m; });
    return other ? [m, other] : null;
  }

  function openPairFor(fam, m) {
    var p = pairFor(fam, m);
    if (p) go(pairHash(fam.id, p[0], p[1]));
  }

  // ---------------------------------------------------------------- page frame

  function topbar() {
    var stats = el("div", { className: "stats" });
    if (META.documents !== null && META.documents !== undefined) {
      append(stats, el("span", null, el("b", null, META.documents.toLocaleString()), " documents"));
    }
    append(stats, el("span", null, el("b", null, (META.members || 0).toLocaleString()), " in families"));
    append(stats, el("span", null, el("b", null, (META.families || 0).toLocaleString()), " families"));
    var pairs = META.pairs || {};
    var total = Object.keys(pairs).reduce(function (s, k) { return s + pairs[k]; }, 0);
    var parts = RELATIONS.filter(function (r) { return pairs[r]; }).map(function (r) { return pairs[r] + " " + r; });
    append(stats, el("span", { id: "pair-counts" }, el("b", null, total.toLocaleString()), " related pairs",
      parts.length ? " (" + parts.join(", ") + ")" : ""));
    var when = META.generated ? META.generated.replace("T", " ") : "";
    return el("header", { className: "topbar" },
      el("h1", null, el("a", { href: "#" }, META.title || "reprints report")),
      stats,
      el("div", { className: "where" }, "source: ", el("span", { className: "mono" }, META.source || ""),
        when ? " \u00b7 generated " + when : "", META.version ? " \u00b7 reprints " + META.version : ""));
  }

  function show(main, title) {
    var app = document.getElementById("app");
    app.replaceChildren(topbar(), main);
    document.title = (title ? title + " \u00b7 " : "") + (META.title || "reprints report");
  }

  function crumbs() {
    var nav = el("nav", { className: "crumbs" }, el("a", { href: "#" }, "\u2190 All families"));
    for (var i = 0; i < arguments.length; i++) {
      append(nav, el("span", { className: "sep" }, "/"));
      append(nav, arguments[i]);
    }
    return nav;
  }

  // ---------------------------------------------------------------- family list

  var SORTS = {
    "size-desc": ["size, largest first", function (a, b) { return b.n - a.n || a.k - b.k; }],
    "size-asc": ["size, smallest first", function (a, b) { return a.n - b.n || a.k - b.k; }],
    "date-desc": ["latest date, newest first", function (a, b) { return cmpDate(b.d1, a.d1, true) || a.k - b.k; }],
    "date-asc": ["earliest date, oldest first", function (a, b) { return cmpDate(a.d0, b.d0, false) || a.k - b.k; }],
    "id": ["family id", function (a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; }]
  };

  function cmpDate(x, y, desc) {
    if (x === y) return 0;
    if (!x) return desc ? -1 : 1;  // undated last either way
    if (!y) return desc ? 1 : -1;
    return x < y ? -1 : 1;
  }

  function filtered() {
    var terms = list.q.toLowerCase().split(/\s+/).filter(Boolean);
    var rows = terms.length ? INDEX.filter(function (e) {
      return terms.every(function (t) { return e.s.indexOf(t) >= 0; });
    }) : INDEX.slice();
    rows.sort(SORTS[list.sort][1]);
    return rows;
  }

  function renderList() {
    var search = el("input", {
      type: "search", id: "search", value: list.q, autocomplete: "off", "aria-label": "Search families",
      placeholder: "Search by document id, origin, title, outlet or language"
    });
    var sort = el("select", { id: "sort", "aria-label": "Sort families" });
    Object.keys(SORTS).forEach(function (k) {
      append(sort, el("option", { value: k, selected: k === list.sort ? "selected" : null }, "Sort: " + SORTS[k][0]));
    });
    var count = el("span", { id: "match-count" });
    var pager = el("div", { className: "pager", id: "pager" });
    var tbody = el("tbody", { id: "family-rows" });
    var heads = {};
    function th(label, key) {
      var cell = el("th", { className: key ? "sortable" : null, scope: "col" }, label);
      if (key) {
        heads[key] = cell;
        cell.addEventListener("click", function () {
          var order = key === "size" ? ["size-desc", "size-asc"] : ["date-desc", "date-asc"];
          list.sort = list.sort === order[0] ? order[1] : order[0];
          sort.value = list.sort;
          list.page = 0;
          update();
        });
      }
      return cell;
    }
    var table = el("table", { id: "family-list" },
      el("thead", null, el("tr", null, th("Family"), th("Versions", "size"), th("Origin"), th("Languages"),
        th("Dates", "date"), th("Relations"))),
      tbody);
    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { list.q = search.value; list.page = 0; update(); }, 120);
    });
    sort.addEventListener("change", function () { list.sort = sort.value; list.page = 0; update(); });

    function update() {
      var rows = filtered();
      var pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
      list.page = Math.min(list.page, pages - 1);
      var start = list.page * PAGE_SIZE;
      var slice = rows.slice(start, start + PAGE_SIZE);
      count.textContent = (list.q ? rows.length.toLocaleString() + " of " + INDEX.length.toLocaleString() + " families match"
        : rows.length.toLocaleString() + " " + (rows.length === 1 ? "family matches" : "families match"));
      count.dataset.count = String(rows.length);
      tbody.replaceChildren.apply(tbody, slice.length ? slice.map(familyRow)
        : [el("tr", null, el("td", { colspan: "6", className: "empty" }, "No family matches this search."))]);
      Object.keys(heads).forEach(function (key) {
        var cell = heads[key];
        var on = list.sort.indexOf(key) === 0;
        cell.replaceChildren(key === "size" ? "Versions" : "Dates");
        if (on) cell.appendChild(el("span", { className: "arrow" }, list.sort.slice(-4) === "desc" ? "\u25bc" : "\u25b2"));
        cell.setAttribute("aria-sort", on ? (list.sort.slice(-4) === "desc" ? "descending" : "ascending") : "none");
      });
      pager.replaceChildren(
        pagerButton("\u00ab", 0, list.page === 0, "First page"),
        pagerButton("\u2039 Prev", list.page - 1, list.page === 0, "Previous page"),
        el("span", { className: "small muted", id: "page-label" }, "page " + (list.page + 1) + " of " + pages),
        pagerButton("Next \u203a", list.page + 1, list.page >= pages - 1, "Next page"),
        pagerButton("\u00bb", pages - 1, list.page >= pages - 1, "Last page"));
    }

    function pagerButton(label, page, disabled, title) {
      return el("button", {
        type: "button", disabled: disabled ? "disabled" : null, title: title, "aria-label": title,
        onclick: function () { list.page = page; update(); window.scrollTo(0, 0); }
      }, label);
    }

    var main = el("main", { id: "list-view" },
      el("div", { className: "toolbar" }, search, sort, count, pager),
      table);
    show(main, "");
    update();
  }

  function familyRow(e) {
    var dates = e.d0 ? (e.d0 === e.d1 ? e.d0 : e.d0 + " \u2013 " + e.d1) : null;
    var rels = el("div", { className: "chips" });
    Object.keys(e.rels).forEach(function (r) {
      append(rels, el("span", { className: "rel " + r, title: e.rels[r] + " " + r + " in the derivation tree" }, e.rels[r] + " " + r));
    });
    var langs = el("div", { className: "chips" });
    e.langs.forEach(function (l) { append(langs, el("span", { className: "lang" }, l)); });
    return el("tr", {
      className: "fam-row", dataset: { family: e.id },
      onclick: function (ev) { if (!ev.target.closest("a")) go(familyHash(e.id)); }
    },
      el("td", { className: "idcell" }, el("a", { href: familyHash(e.id) }, e.id)),
      el("td", { className: "num" }, String(e.n)),
      el("td", null, el("span", { className: "mono" }, e.origin), e.title ? el("span", { className: "title" }, e.title) : null,
        e.outlets.length ? el("span", { className: "title" }, e.outlets.join(", ")) : null),
      el("td", null, e.langs.length ? langs : el("span", { className: "muted" }, "\u2014")),
      el("td", { className: "small nowrap" }, dates || el("span", { className: "muted" }, "undated")),
      el("td", null, rels));
  }

  // ---------------------------------------------------------------- one family

  var CONFIDENCE_NOTE = {
    strong: "Two independent signs of being first: an earlier date than every other version, an agency credit, containing the other versions.",
    medium: "One sign of being first (an earlier date, an agency credit, or containing the other versions).",
    weak: "No sign of being first: chosen by a URL, a full header, fewest edits or the longest text. Treat it as a guess."
  };

  function renderFamily(fid) {
    var fam = loadFamily(fid);
    if (!fam) return renderMissing("There is no family " + fid + " in this report.");
    var origin = fam.origin;
    var od = doc(fam, origin);
    var reasons = el("ul", null, fam.reasons.map(function (r) { return el("li", null, r); }));
    var main = el("main", { id: "family-view", dataset: { family: fam.id } },
      crumbs(el("span", null, "Family " + fam.id)),
      el("div", { className: "card" },
        el("h2", null, "Family " + fam.id + " \u00b7 " + plural(fam.members.length, "version")),
        el("div", { className: "muted" }, docTitle(fam, origin))),
      el("div", { className: "card origin-box conf-" + (fam.confidence || "weak"), id: "origin" },
        el("h3", null, "Origin: ", el("a", { href: "#", className: "mono", onclick: function (ev) { ev.preventDefault(); openPairFor(fam, origin); } }, origin),
          relChip("origin"),
          el("span", { className: "conf conf-" + (fam.confidence || "weak"), title: CONFIDENCE_NOTE[fam.confidence || "weak"] },
            (fam.confidence || "weak") + " origin")),
        (fam.confidence || "weak") === "weak" ? el("div", { className: "small conf-note" }, CONFIDENCE_NOTE.weak) : null,
        od ? metaLine(od) : null,
        el("div", { className: "small muted", style: "margin-top:0.4rem" }, "Chosen because:"),
        reasons),
      el("div", { className: "card" },
        el("h3", null, "Derivation tree"),
        el("div", { className: "small muted" }, "Who most likely copied whom. Click a version or an edge to compare it with its parent."),
        relationLegend(fam),
        el("div", { className: "graph-wrap" }, treeSVG(fam))),
      el("div", { className: "card" },
        el("h3", null, "Timeline"),
        timeline(fam)),
      el("div", { className: "card" },
        el("h3", null, "Versions"),
        membersTable(fam)));
    show(main, "Family " + fam.id);
  }

  function metaLine(d) {
    var m = d.meta;
    var bits = [];
    if (m.title) bits.push(String(m.title));
    if (m.byline) bits.push("By " + m.byline);
    if (d.date || m.date) bits.push(d.date || String(m.date));
    if (m.outlet) bits.push(String(m.outlet));
    if (m.lang) bits.push("language " + m.lang);
    var line = el("div", { className: "meta-line" }, bits.join(" \u00b7 "));
    if (m.url) {
      var url = String(m.url);
      append(line, bits.length ? " \u00b7 " : null);
      if (/^https?:\/\//i.test(url)) append(line, el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, url));
      else append(line, url);
    }
    return line;
  }

  function relationLegend(fam) {
    var used = new Set(fam.tree.map(function (e) { return e.relation; }));
    var box = el("div", { className: "legend" }, el("span", null, el("span", { className: "line", style: "border-color:" + COLORS.origin }), "origin (frame)"));
    RELATIONS.forEach(function (r) {
      if (used.has(r)) append(box, el("span", null, el("span", { className: "line", style: "border-color:" + COLORS[r] }), r));
    });
    return box;
  }

  function treeSVG(fam) {
    var W = 176, H = 44, GX = 22, GY = 78, PAD = 18;
    var pos = new Map();
    var slot = 0, maxDepth = 0;
    function place(id, depth) {
      if (pos.has(id)) return;
      pos.set(id, null);
      maxDepth = Math.max(maxDepth, depth);
      var kids = (fam.children.get(id) || []).filter(function (c) { return !pos.has(c); }).sort();
      kids.forEach(function (c) { place(c, depth + 1); });
      var placed = kids.filter(function (c) { return pos.get(c) && pos.get(c).depth === depth + 1; });
      var x = placed.length ? (pos.get(placed[0]).x + pos.get(placed[placed.length - 1]).x) / 2 : slot++;
      pos.set(id, { x: x, depth: depth });
    }
    place(fam.origin, 0);
    fam.members.forEach(function (m) { if (!fam.parent.has(m)) place(m, 0); });
    fam.members.forEach(function (m) { place(m, 0); });
    function left(id) { return PAD + pos.get(id).x * (W + GX); }
    function top(id) { return PAD + pos.get(id).depth * (H + GY); }
    var width = PAD * 2 + Math.max(1, slot) * (W + GX) - GX;
    var height = PAD * 2 + (maxDepth + 1) * (H + GY) - GY;
    var svg = sv("svg", { "class": "tree", width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": "Derivation tree of family " + fam.id });
    var edges = sv("g", { "class": "edges" });
    var nodes = sv("g", { "class": "nodes" });
    fam.tree.forEach(function (e) {
      if (!pos.get(e.parent) || !pos.get(e.child)) return;
      var x1 = left(e.parent) + W / 2, y1 = top(e.parent) + H, x2 = left(e.child) + W / 2, y2 = top(e.child);
      var d = "M" + x1 + " " + y1 + " C" + x1 + " " + (y1 + GY / 2) + " " + x2 + " " + (y2 - GY / 2) + " " + x2 + " " + y2;
      var color = COLORS[e.relation] || COLORS.unrelated;
      var mx = x2, my = y2 - 17;  // near the child, where sibling edges are apart
      var lw = e.relation.length * 6.6 + 10;
      var g = sv("g", { "class": "edge", "data-child": e.child, "data-parent": e.parent, tabindex: "0",
        onclick: function () { go(pairHash(fam.id, e.parent, e.child)); } },
        sv("title", { text: e.child + " from " + e.parent + ": " + e.relation }),
        sv("path", { "class": "hit", d: d }),
        sv("path", { "class": "vis", d: d, stroke: color }),
        sv("rect", { "class": "label-bg", x: mx - lw / 2, y: my - 9, width: lw, height: 17, rx: 4 }),
        sv("text", { x: mx, y: my + 4, "text-anchor": "middle", fill: color, text: e.relation }));
      g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") go(pairHash(fam.id, e.parent, e.child)); });
      append(edges, g);
    });
    fam.members.forEach(function (m) {
      var d = doc(fam, m);
      var sub = [];
      if (d && d.meta.lang) sub.push(String(d.meta.lang));
      if (d && d.date) sub.push(d.date);
      var x = left(m), y = top(m);
      var g = sv("g", { "class": "node" + (m === fam.origin ? " origin" : ""), "data-id": m, tabindex: "0", role: "link",
        transform: "translate(" + x + "," + y + ")",
        onclick: function () { openPairFor(fam, m); } },
        sv("title", { text: m + (fam.parent.has(m) ? " (click: compare with its parent " + fam.parent.get(m) + ")" : " (origin)") }),
        sv("rect", { width: W, height: H, rx: 7 }),
        sv("text", { "class": "id", x: W / 2, y: sub.length ? 18 : 27, "text-anchor": "middle", text: shortId(m) }),
        sub.length ? sv("text", { "class": "sub", x: W / 2, y: 34, "text-anchor": "middle", text: sub.join(" \u00b7 ") }) : null);
      g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") openPairFor(fam, m); });
      append(nodes, g);
    });
    append(svg, edges);
    append(svg, nodes);
    return svg;
  }

  function timeline(fam) {
    var dated = [], undated = [];
    fam.members.forEach(function (m) {
      var d = doc(fam, m);
      if (d && d.date) dated.push({ id: m, day: dayNumber(d.date), date: d.date });
      else undated.push(m);
    });
    var box = el("div", { id: "timeline" });
    if (!dated.length) {
      append(box, el("p", { className: "muted" }, "No version of this family carries a date."));
    } else {
      dated.sort(function (a, b) { return a.day - b.day || (a.id < b.id ? -1 : 1); });
      var W = 1000, L = 40, R = 200;
      var lo = dated[0].day, hi = dated[dated.length - 1].day, span = hi - lo;
      var xOf = function (day) { return L + (span ? (day - lo) / span : 0.5) * (W - L - R); };
      var rows = [];
      dated.forEach(function (p) {
        p.x = xOf(p.day);
        p.label = shortId(p.id, 26);
        var w = p.label.length * 6.8 + 12;
        var r = 0;
        while (r < rows.length && rows[r] > p.x - 2) r++;
        rows[r] = p.x + w;
        p.row = r;
      });
      var rowH = 18, axisY = 22 + rows.length * rowH + 8, height = axisY + 34;
      var svg = sv("svg", { "class": "timeline", viewBox: "0 0 " + W + " " + height, width: "100%", role: "img",
        "aria-label": "Versions by date" });
      var axis = sv("g", { "class": "axis" }, sv("line", { x1: L, x2: W - R, y1: axisY, y2: axisY }));
      var ticks = span ? [0, 0.25, 0.5, 0.75, 1].map(function (f) { return lo + Math.round(f * span); }) : [lo];
      var seen = new Set();
      ticks.forEach(function (day) {
        if (seen.has(day)) return;
        seen.add(day);
        var x = xOf(day);
        append(axis, sv("line", { x1: x, x2: x, y1: axisY, y2: axisY + 5 }));
        append(axis, sv("text", { x: x, y: axisY + 19, "text-anchor": "middle", text: isoOfDay(day) }));
      });
      append(svg, axis);
      // the origin is drawn last, so that a version of the same day does not hide it
      dated.slice().sort(function (a, b) { return (a.id === fam.origin) - (b.id === fam.origin); }).forEach(function (p) {
        var edge = fam.edgeOf.get(p.id);
        var color = p.id === fam.origin ? COLORS.origin : (edge ? COLORS[edge.relation] : COLORS.unrelated);
        var ly = axisY - 14 - p.row * rowH;
        append(svg, sv("g", { "class": "dot", "data-id": p.id, onclick: function () { openPairFor(fam, p.id); } },
          sv("title", { text: p.id + ", " + p.date + (edge ? ", " + edge.relation + " of " + edge.parent : ", origin") }),
          sv("line", { x1: p.x, x2: p.x, y1: ly + 3, y2: axisY - 5, stroke: "#c4ccd4" }),
          sv("circle", { cx: p.x, cy: axisY, r: p.id === fam.origin ? 6.5 : 5, fill: color, stroke: "#fff", "stroke-width": 1.5 }),
          sv("text", { x: p.x + 4, y: ly, text: p.label })));
      });
      append(box, svg);
    }
    if (undated.length) {
      append(box, el("div", { className: "small", id: "undated" }, el("span", { className: "muted" }, "Undated: "),
        undated.map(function (m, i) {
          return [i ? ", " : "", el("a", { href: "#", className: "mono", onclick: function (ev) { ev.preventDefault(); openPairFor(fam, m); } }, m)];
        })));
    }
    return box;
  }

  function membersTable(fam) {
    var tbody = el("tbody");
    var order = [fam.origin].concat(fam.members.filter(function (m) { return m !== fam.origin; }));
    order.forEach(function (m) {
      var d = doc(fam, m);
      var edge = fam.edgeOf.get(m);
      var toOrigin = m === fam.origin ? null : pairOf(fam, fam.origin, m);
      var counts = el("div", { className: "counts" });
      if (edge) {
        var pd = doc(fam, edge.parent);
        var added = edge.added.map(function (s) { return [s.start, s.end]; });
        var dropped = edge.dropped.map(function (s) { return [s.start, s.end]; });
        var bits = [];
        if (added.length) bits.push(el("span", { className: "plus", title: "passages of story text only this version has" },
          "+" + added.length + " added" + (d ? " (" + words(d.text, added) + " words)" : "")));
        if (dropped.length) bits.push(el("span", { className: "minus", title: "passages of its parent's story text it lacks" },
          "\u2212" + dropped.length + " dropped" + (pd ? " (" + words(pd.text, dropped) + " words)" : "")));
        if (edge.reworded.length) bits.push(el("span", { className: "tilde" }, "~" + edge.reworded.length + " reworded"));
        if (edge.quote_variants.length) bits.push(el("span", null, plural(edge.quote_variants.length, "quote variant")));
        var changed = pairChanges(fam, edge.parent, m);
        if (changed.length) bits.push(el("span", { className: "chg-count" }, plural(changed.length, "word change")));
        if (!bits.length) bits.push(el("span", { className: "muted" }, "no change to the story text"));
        bits.forEach(function (b) { append(counts, b); });
        append(counts, edgeDetails(fam, m, edge, pd, d, changed));
      }
      var compare = el("div", { className: "small" });
      if (edge) append(compare, el("a", { href: pairHash(fam.id, edge.parent, m) }, "vs parent"));
      if (m !== fam.origin && (!edge || edge.parent !== fam.origin)) {
        append(compare, edge ? " \u00b7 " : null);
        append(compare, el("a", { href: pairHash(fam.id, fam.origin, m) }, "vs origin"));
      }
      tbody.appendChild(el("tr", { dataset: { id: m } },
        el("td", null, el("a", { href: "#", className: "mono", onclick: function (ev) { ev.preventDefault(); openPairFor(fam, m); } }, m),
          el("span", { className: "title" }, docTitle(fam, m))),
        el("td", { className: "small" }, d ? [d.meta.byline ? "By " + d.meta.byline : "", d.meta.outlet ? el("div", null, String(d.meta.outlet)) : null] : "\u2014"),
        el("td", null, d && d.meta.lang ? el("span", { className: "lang" }, String(d.meta.lang)) : el("span", { className: "muted" }, "\u2014")),
        el("td", { className: "small nowrap" }, d && d.date ? d.date : el("span", { className: "muted" }, "undated")),
        el("td", null, m === fam.origin ? relChip("origin") : toOrigin && toOrigin.relation !== "unrelated"
          ? [relChip(toOrigin.relation), el("div", { className: "small muted" }, "score " + toOrigin.score.toFixed(2))]
          : pathToOrigin(fam, m, toOrigin)),
        el("td", null, edge ? [el("span", { className: "mono small" }, shortId(edge.parent, 28)), " ", relChip(edge.relation)] : el("span", { className: "muted" }, "\u2014")),
        el("td", null, edge ? counts : el("span", { className: "muted small" }, "the origin")),
        el("td", null, compare)));
    });
    return el("div", { className: "table-wrap" }, el("table", { className: "members", id: "members" },
      el("thead", null, el("tr", null, ["Version", "Credit", "Language", "Date", "To the origin", "Parent", "Changes from its parent", "Compare"]
        .map(function (h) { return el("th", { scope: "col" }, h); }))),
      tbody));
  }

  /** The words changed from ``parent`` to ``child``, as [parent text span, child text span, kind]. */
  function pairChanges(fam, parent, child) {
    var p = pairOf(fam, parent, child);
    if (!p || !p.changes) return [];
    var childIsA = p.a === child;
    return p.changes.map(function (c) {
      return childIsA ? [[c.b_start, c.b_end], [c.a_start, c.a_end], c.kind] : [[c.a_start, c.a_end], [c.b_start, c.b_end], c.kind];
    });
  }

  var SHOWN_PER_LIST = 4;
  var CHANGE_RANK = ["number", "date", "quote", "name", "word"];

  /** What a version added and dropped, as text, and its changed words: readable on the family page. */
  function edgeDetails(fam, m, edge, pd, d, changed) {
    var box = el("div", { className: "details" });
    function snippets(cls, sign, text, spans) {
      if (!text || !spans.length) return;
      var ul = el("ul", { className: "snips " + cls });
      spans.slice(0, SHOWN_PER_LIST).forEach(function (x) {
        var t = text.slice(x.start, x.end).replace(/\s+/g, " ").trim();
        append(ul, el("li", null, el("span", { className: "sign" }, sign), " ", t.length > 180 ? t.slice(0, 177) + "..." : t));
      });
      if (spans.length > SHOWN_PER_LIST) append(ul, el("li", { className: "more" },
        el("a", { href: pairHash(fam.id, edge.parent, m) }, "and " + (spans.length - SHOWN_PER_LIST) + " more, side by side")));
      append(box, ul);
    }
    snippets("added", "+", d && d.text, edge.added);
    snippets("dropped", "\u2212", pd && pd.text, edge.dropped);
    if (changed.length && d && pd) {
      var ul = el("ul", { className: "snips changed" });
      // the most telling first: figures, dates, quoted words, names, other words; within a kind, the shortest edits
      var size = function (c) { return Math.max(pd.text.slice(c[0][0], c[0][1]).split(/\s+/).length, d.text.slice(c[1][0], c[1][1]).split(/\s+/).length); };
      var ranked = changed.map(function (c, i) { return { c: c, i: i, r: CHANGE_RANK.indexOf(c[2]), n: size(c) }; })
        .sort(function (x, y) { return (x.r < 0 ? 9 : x.r) - (y.r < 0 ? 9 : y.r) || x.n - y.n || x.i - y.i; })
        .map(function (x) { return x.c; });
      ranked.slice(0, 2 * SHOWN_PER_LIST).forEach(function (c) {
        var was = changeText(pd.text, c[0][0], c[0][1]), now = changeText(d.text, c[1][0], c[1][1]);
        append(ul, el("li", { dataset: { kind: c[2] } }, el("span", { className: "kind" }, c[2]), " ",
          was ? el("del", null, was) : el("span", { className: "muted" }, "(none)"), " \u2192 ",
          now ? el("ins", null, now) : el("span", { className: "muted" }, "(none)")));
      });
      if (changed.length > 2 * SHOWN_PER_LIST) append(ul, el("li", { className: "more" },
        el("a", { href: pairHash(fam.id, edge.parent, m) }, "and " + (changed.length - 2 * SHOWN_PER_LIST) + " more")));
      append(box, ul);
    }
    return box.childNodes.length ? box : null;
  }

  /** How a version with no direct match to the origin joined the family: its chain of parents up to the origin. */
  function pathToOrigin(fam, m, direct) {
    var chain = [], at = m, seen = new Set([m]);
    while (at !== fam.origin && fam.parent.has(at)) {
      var edge = fam.edgeOf.get(at);
      chain.push(edge);
      at = edge.parent;
      if (seen.has(at)) break;
      seen.add(at);
    }
    var box = el("div", { className: "path small", dataset: { path: [m].concat(chain.map(function (e) { return e.parent; })).join(" ") } },
      el("div", { className: "muted" }, direct ? "no match with the origin itself (" + direct.relation + "); joined through:" :
        "not aligned with the origin itself; joined through:"));
    chain.forEach(function (e) {
      append(box, el("div", null, relChip(e.relation), " of ",
        el("a", { href: pairHash(fam.id, e.parent, e.child), className: "mono" }, shortId(e.parent, 28))));
    });
    if (at !== fam.origin) append(box, el("div", { className: "muted" }, "(no chain of matches reaches the origin)"));
    return box;
  }

  function renderMissing(message) {
    show(el("main", null, crumbs(), el("div", { className: "notice" }, message)), "");
  }

  // ---------------------------------------------------------------- two versions side by side

  function renderPair(fid, left, right) {
    var fam = loadFamily(fid);
    if (!fam) return renderMissing("There is no family " + fid + " in this report.");
    if (!fam.memberSet.has(left) || !fam.memberSet.has(right)) {
      return renderMissing("Family " + fid + " has no version " + (fam.memberSet.has(left) ? right : left) + ".");
    }
    function picker(id, label, value) {
      var s = el("select", { id: id, "aria-label": label });
      fam.members.forEach(function (m) {
        var d = doc(fam, m);
        var bits = [m === fam.origin ? "\u2605 " + m : m];
        if (d && d.meta.lang) bits.push(String(d.meta.lang));
        if (d && d.date) bits.push(d.date);
        append(s, el("option", { value: m, selected: m === value ? "selected" : null }, bits.join(" \u00b7 ")));
      });
      s.value = value;
      s.addEventListener("change", function () {
        var l = document.getElementById("pick-left").value, r = document.getElementById("pick-right").value;
        go(pairHash(fam.id, l, r));
      });
      return el("div", null, el("label", { "for": id }, label), s);
    }
    var pickers = el("div", { className: "pickers" },
      picker("pick-left", "Left (read as the earlier version)", left),
      el("button", { type: "button", className: "btn", id: "swap", title: "Swap the two sides",
        onclick: function () { go(pairHash(fam.id, right, left)); } }, "\u21c4 Swap"),
      picker("pick-right", "Right (compared with the left)", right));
    var main = el("main", { id: "pair-view", dataset: { family: fam.id, left: left, right: right } },
      crumbs(el("a", { href: familyHash(fam.id) }, "Family " + fam.id), el("span", null, "Compare")),
      pickers);
    var p = left === right ? null : pairOf(fam, left, right);
    if (left === right) {
      append(main, el("div", { className: "notice" }, "Pick two different versions to compare."));
    } else if (!p) {
      append(main, notAligned(fam, left, right));
    } else {
      renderAligned(main, fam, p, left, right);
    }
    show(main, "Compare " + shortId(left) + " and " + shortId(right));
  }

  function notAligned(fam, left, right) {
    var box = el("div", { className: "notice", id: "not-aligned" },
      el("div", null, "These two versions were not aligned. The scan aligns each version with the versions it most likely " +
        "derives from; this report aligns every other pair only in families of up to " + (fam.limit || META.limit) +
        " versions, and this family has " + fam.members.length + "."));
    var offers = el("ul");
    [right, left].forEach(function (m) {
      var par = fam.parent.get(m);
      if (par && pairOf(fam, par, m)) append(offers, el("li", null, "Compare ", el("span", { className: "mono" }, m),
        " with its parent: ", el("a", { href: pairHash(fam.id, par, m) }, par)));
      if (m !== fam.origin && par !== fam.origin && pairOf(fam, fam.origin, m)) append(offers, el("li", null, "Compare ",
        el("span", { className: "mono" }, m), " with the origin: ", el("a", { href: pairHash(fam.id, fam.origin, m) }, fam.origin)));
    });
    append(box, offers);
    return box;
  }

  function describe(p, left, right) {
    var sem = p.evidence && p.evidence.semantic;
    switch (p.relation) {
      case "identical": return "The same text once normalized, header included.";
      case "reformatted": return "The same story text with a different layout, header or boilerplate.";
      case "excerpt": return (p.b === right ? "The right" : "The left") + " version is an excerpt of the " + (p.b === right ? "left" : "right") + " one.";
      case "partial": return (p.b === right ? "The right" : "The left") + " version is built on part of the " + (p.b === right ? "left" : "right") + " one and adds material of its own.";
      case "rewrite": return "The same story retold in other words.";
      case "translation": return "The same story in another language" + (sem ? " (" + (p.a === left ? sem.lang_a + " \u2192 " + sem.lang_b : sem.lang_b + " \u2192 " + sem.lang_a) + ")" : "") + ".";
      default: return "Not versions of one story by the scan's rules; shown as aligned for inspection.";
    }
  }

  function renderAligned(main, fam, p, left, right) {
    var flip = p.a !== left;  // the pair's "a" side is on the right
    var ev = p.evidence || {};
    var lIn = flip ? ev.b_in_a : ev.a_in_b, rIn = flip ? ev.a_in_b : ev.b_in_a;
    var facts = el("div", { className: "facts" },
      el("span", { title: "share of the left text found word for word in the right one" }, "left in right, word for word: ", el("b", null, pct(lIn))),
      el("span", { title: "share of the right text found word for word in the left one" }, "right in left: ", el("b", null, pct(rIn))),
      el("span", null, "aligned passages: ", el("b", null, String(p.passages.length))),
      el("span", null, "shared words: ", el("b", null, String(ev.shared_words))));
    if (ev.semantic) {
      var s = ev.semantic;
      append(facts, el("span", null, "by meaning: ", el("b", null, String(s.passages)), " passages covering ",
        el("b", null, pct(flip ? s.b_cover : s.a_cover) + " / " + pct(flip ? s.a_cover : s.b_cover)), ", similarity ",
        el("b", null, s.similarity.toFixed(2)), ", names and numbers agree ", el("b", null, pct(s.facts)),
        ", languages ", el("b", null, flip ? s.lang_b + " / " + s.lang_a : s.lang_a + " / " + s.lang_b)));
    }
    var md = ev.metadata || {};
    var agree = [];
    ["title", "byline", "url"].forEach(function (k) {
      if (("same_" + k) in md) agree.push((md["same_" + k] ? "same " : "different ") + k);
    });
    if ("date_gap_days" in md) agree.push(plural(md.date_gap_days, "day") + " apart");
    if (agree.length) append(facts, el("span", null, "metadata: ", el("b", null, agree.join(", "))));
    var tree = null;
    if (fam.parent.get(right) === left) tree = "In the derivation tree, the right version comes from the left one.";
    else if (fam.parent.get(left) === right) tree = "In the derivation tree, the left version comes from the right one: swap to read additions as added.";
    var summary = el("div", { className: "card soft summary", id: "pair-summary", dataset: { relation: p.relation } },
      el("div", null, relChip(p.relation), " ", el("b", null, "score " + Number(p.score).toFixed(2)), " ",
        el("span", { className: "muted small" }, p.computed ? "(aligned for this report; the scan did not pair these two)" : "(as the scan found it)")),
      el("div", null, describe(p, left, right), tree ? " " + tree : ""),
      facts);
    append(main, summary);
    append(main, el("div", { className: "legend", id: "legend" },
      KINDS.map(function (k) { return el("span", null, el("span", { className: "sw k-" + k }), k); }),
      el("span", null, el("span", { className: "sw added" }), "added (only on the right)"),
      el("span", null, el("span", { className: "sw dropped" }), "dropped (only on the left)"),
      el("span", null, el("span", { className: "boiler-sample" }, "header / boilerplate"), " (left out of the story body)"),
      el("span", null, el("span", { className: "sw chg" }), "changed words (figures, names, dates, quoted words)"),
      el("span", null, el("span", { className: "pn-sample" }, "3"), "passage number, the same on both sides: click a passage to scroll to its twin")));

    var variants = [];
    (p.quotes || []).forEach(function (q) { if (!q.same_wording) variants.push(q); });
    // passages are numbered in the order they come in the left text; a number is shown on both sides
    var number = {};
    p.passages.map(function (x, i) { return { i: i, at: flip ? x.b_start : x.a_start }; })
      .sort(function (x, y) { return x.at - y.at || x.i - y.i; })
      .forEach(function (x, k) { number[x.i] = k + 1; });
    var sides = { left: pane(fam, left, "left"), right: pane(fam, right, "right") };
    var pIdx = { left: new Map(), right: new Map() };
    var qIdx = { left: new Map(), right: new Map() };
    ["left", "right"].forEach(function (side) {
      var d = doc(fam, side === "left" ? left : right);
      var textBox = sides[side].text;
      if (!d) { textBox.textContent = "The text of this version is not in the report."; return; }
      var useA = (side === "left") !== flip;
      var marks = [];
      p.passages.forEach(function (x, i) {
        marks.push({ s: useA ? x.a_start : x.b_start, e: useA ? x.a_end : x.b_end, t: "p", kind: x.kind, i: i, n: number[i] });
      });
      (p.changes || []).forEach(function (c, i) {
        marks.push({ s: useA ? c.a_start : c.b_start, e: useA ? c.a_end : c.b_end, t: "c", kind: c.kind, i: i });
      });
      (useA ? p.a_only : p.b_only).forEach(function (x, i) { marks.push({ s: x.start, e: x.end, t: "o", kind: x.kind, i: i }); });
      variants.forEach(function (q, i) {
        marks.push({ s: useA ? q.a_start : q.b_start, e: useA ? q.a_end : q.b_end, t: "q", i: i });
      });
      renderText(textBox, d.text, marks, side, pIdx[side], qIdx[side]);
    });
    append(main, el("div", { className: "panes" }, sides.left.box, sides.right.box));
    link(sides, pIdx);
    if ((p.changes || []).length) append(main, changeList(fam, p, flip, left, right));
    if (variants.length) append(main, quoteList(fam, variants, flip, left, right, sides, qIdx));
  }

  function pane(fam, id, side) {
    var d = doc(fam, id);
    var text = el("div", { className: "text", id: "text-" + side, dataset: { side: side } });
    var box = el("section", { className: "pane " + side, "aria-label": side + " version" },
      el("div", { className: "pane-head" },
        el("div", { className: "pid mono" }, id, id === fam.origin ? [" ", relChip("origin")] : null),
        d ? metaLine(d) : null),
      text);
    return { box: box, text: text };
  }

  /** Cut the text at every mark boundary and wrap each piece in the marks that cover it. */
  function renderText(box, text, marks, side, pIdx, qIdx) {
    var n = text.length;
    var cuts = new Set([0, n]);
    marks.forEach(function (m) {
      m.s = Math.max(0, Math.min(n, m.s | 0));
      m.e = Math.max(0, Math.min(n, m.e | 0));
      if (m.e > m.s) { cuts.add(m.s); cuts.add(m.e); }
    });
    var pts = Array.from(cuts).sort(function (a, b) { return a - b; });
    marks = marks.filter(function (m) { return m.e > m.s; }).sort(function (a, b) { return a.s - b.s; });
    var frag = document.createDocumentFragment();
    var open = [], next = 0, seenOnly = new Set(), seenP = new Set();
    var pending = [], prev = null;
    for (var j = 0; j + 1 < pts.length; j++) {
      var x = pts[j], y = pts[j + 1];
      while (next < marks.length && marks[next].s <= x) open.push(marks[next++]);
      open = open.filter(function (m) { return m.e > x; });
      var ps = [], only = null, qs = [], cs = [];
      open.forEach(function (m) {
        if (m.t === "p") ps.push(m);
        else if (m.t === "o") { if (!only) only = m; }
        else if (m.t === "c") cs.push(m);
        else qs.push(m.i);
      });
      var key = ps.map(function (m) { return m.i; }).join(" ") + "|" + (ps.length ? "" : only ? only.kind + ":" + only.i : "") + "|" + qs.join(" ") +
        "|" + cs.map(function (m) { return m.i; }).join(" ");
      if (prev && prev.key === key) { prev.end = y; continue; }
      prev = { key: key, start: x, end: y, ps: ps, only: ps.length ? null : only, qs: qs, cs: cs };
      pending.push(prev);
    }
    // build nodes (segments are final once the loop ends)
    for (var k = 0; k < pending.length; k++) {
      var seg = pending[k];
      var piece = text.slice(seg.start, seg.end);
      if (!seg.ps.length && !seg.only && !seg.qs.length && !seg.cs.length) { frag.appendChild(document.createTextNode(piece)); continue; }
      var span = document.createElement("span");
      span.textContent = piece;
      var cls = [];
      if (seg.ps.length) {
        var first = seg.ps[0];
        cls.push("p", "k-" + first.kind);
        span.dataset.p = seg.ps.map(function (m) { return m.i; }).join(" ");
        span.title = first.kind + " passage " + first.n;
        if (!seenP.has(first.i) && piece.trim()) {  // the passage's number, shown where it starts (CSS ::before)
          cls.push("pstart");
          span.dataset.n = String(first.n);
          seenP.add(first.i);
        }
        seg.ps.forEach(function (m) {
          if (!pIdx.has(m.i)) pIdx.set(m.i, []);
          pIdx.get(m.i).push(span);
        });
      } else if (seg.only) {
        if (seg.only.kind === "text") {
          cls.push("only", side === "left" ? "dropped" : "added");
          var tag = "o" + seg.only.i;
          if (!seenOnly.has(tag) && piece.trim()) { cls.push("first"); seenOnly.add(tag); }
          span.title = side === "left" ? "only in the left version (dropped by the right)" : "only in the right version (added)";
        } else {
          cls.push("boiler");
          span.title = seg.only.kind + ": left out of the story body";
        }
        span.dataset.kind = seg.only.kind;
      }
      if (seg.cs.length) {
        cls.push("chg");
        span.dataset.change = seg.cs.map(function (m) { return m.i; }).join(" ");
        span.title = (span.title ? span.title + "; " : "") + "changed " + seg.cs[0].kind;
      }
      if (seg.qs.length) {
        cls.push("q");
        span.dataset.q = seg.qs.join(" ");
        seg.qs.forEach(function (i) {
          if (!qIdx.has(i)) qIdx.set(i, []);
          qIdx.get(i).push(span);
        });
      }
      span.className = cls.join(" ");
      frag.appendChild(span);
    }
    box.replaceChildren(frag);
  }

  function scrollInto(box, node) {
    var r = node.getBoundingClientRect(), b = box.getBoundingClientRect();
    box.scrollTop += (r.top - b.top) - box.clientHeight / 3;
  }

  function link(sides, pIdx) {
    var state = { hover: [], active: [] };
    function mark(list, cls, on) { list.forEach(function (n) { n.classList.toggle(cls, on); }); }
    function nodesOf(i) { return (pIdx.left.get(i) || []).concat(pIdx.right.get(i) || []); }
    function primary(node) { return node && node.dataset.p ? Number(node.dataset.p.split(" ")[0]) : null; }
    ["left", "right"].forEach(function (side) {
      var box = sides[side].text, other = side === "left" ? "right" : "left";
      box.addEventListener("mouseover", function (ev) {
        var i = primary(ev.target.closest(".p"));
        mark(state.hover, "hover", false);
        state.hover = i === null ? [] : nodesOf(i);
        mark(state.hover, "hover", true);
      });
      box.addEventListener("mouseleave", function () { mark(state.hover, "hover", false); state.hover = []; });
      box.addEventListener("click", function (ev) {
        var i = primary(ev.target.closest(".p"));
        if (i === null) return;
        mark(state.active, "active", false);
        state.active = nodesOf(i);
        mark(state.active, "active", true);
        var there = pIdx[other].get(i);
        if (there && there.length) scrollInto(sides[other].text, there[0]);
      });
    });
  }

  function changeText(text, s, e) {
    var t = text.slice(s, e).replace(/\s+/g, " ").trim();
    return t.length > 90 ? t.slice(0, 87) + "..." : t;
  }

  function changeList(fam, p, flip, left, right) {
    var ld = doc(fam, left), rd = doc(fam, right);
    var items = p.changes.map(function (c, i) {
      var ls = flip ? [c.b_start, c.b_end] : [c.a_start, c.a_end];
      var rs = flip ? [c.a_start, c.a_end] : [c.b_start, c.b_end];
      var was = ld ? changeText(ld.text, ls[0], ls[1]) : "", now = rd ? changeText(rd.text, rs[0], rs[1]) : "";
      return el("li", { dataset: { change: String(i), kind: c.kind } },
        el("span", { className: "kind" }, c.kind), " ",
        was ? el("del", null, was) : el("span", { className: "muted" }, "(none)"), " \u2192 ",
        now ? el("ins", null, now) : el("span", { className: "muted" }, "(none)"));
    });
    return el("div", { className: "card changes", id: "word-changes", style: "margin-top:1rem" },
      el("h3", null, "Words changed (" + p.changes.length + ")"),
      el("ul", null, items));
  }

  function quoteList(fam, variants, flip, left, right, sides, qIdx) {
    var ld = doc(fam, left), rd = doc(fam, right);
    var items = variants.map(function (q, i) {
      var ls = flip ? [q.b_start, q.b_end] : [q.a_start, q.a_end];
      var rs = flip ? [q.a_start, q.a_end] : [q.b_start, q.b_end];
      var who = (flip ? q.b_speaker || q.a_speaker : q.a_speaker || q.b_speaker) || "unattributed";
      return el("li", { dataset: { q: String(i) } },
        el("span", { className: "who" }, who), " ",
        el("span", { className: "small muted" }, "similarity " + Number(q.similarity).toFixed(2)), " ",
        el("button", { type: "button", className: "btn small", onclick: function () {
          ["left", "right"].forEach(function (side) {
            var nodes = qIdx[side].get(i) || [];
            if (nodes.length) scrollInto(sides[side].text, nodes[0]);
            nodes.forEach(function (n) { n.classList.add("flash"); setTimeout(function () { n.classList.remove("flash"); }, 1600); });
          });
        } }, "show"),
        el("blockquote", null, el("span", { className: "side" }, "left"), ld ? "\u201c" + ld.text.slice(ls[0], ls[1]).trim() + "\u201d" : ""),
        el("blockquote", null, el("span", { className: "side" }, "right"), rd ? "\u201c" + rd.text.slice(rs[0], rs[1]).trim() + "\u201d" : ""));
    });
    return el("div", { className: "card quotes", id: "quote-variants", style: "margin-top:1rem" },
      el("h3", null, "Quotes worded differently"),
      el("ul", null, items));
  }

  // ---------------------------------------------------------------- routing

  function route() {
    var parts = location.hash.replace(/^#\/?/, "").split("/").map(dec);
    if (parts[0] === "family" && parts[1]) renderFamily(parts[1]);
    else if (parts[0] === "pair" && parts.length >= 4) renderPair(parts[1], parts[2], parts[3]);
    else renderList();
    if (parts[0] === "family" || parts[0] === "pair") window.scrollTo(0, 0);
  }

  window.addEventListener("hashchange", route);
  route();
  window.reprintsReport = { ready: performance.now(), families: INDEX.length };
  document.body.dataset.ready = "1";
})();
