/* Filter the server-rendered timeline by topic, person and words, from the embedded JSON.
   The page reads fine without this script; it only hides what does not match.
   State lives in the URL hash (#topic=sco&person=xi-jinping&q=oil) so a view can be shared. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("sinorus-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  // Ids are data: "constructor", "toString" or "__proto__" must be plain keys, so every table
  // keyed by an id is a Map, never an object that inherits from Object.prototype.
  function table(obj) {
    var m = new Map();
    Object.keys(obj).forEach(function (k) { m.set(k, obj[k]); });
    return m;
  }
  var people = table(data.people), topics = table(data.topics), sources = table(data.sources);
  var q = $("q"), topic = $("topic"), person = $("person"), shown = $("shown");

  // Accents and case do not matter: "khong gioi han" finds "không giới hạn".
  function fold(s) {
    return String(s || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u0111\u0110]/g, "d").toLowerCase()
      .replace(/[\s\p{P}\p{S}]+/gu, " ").trim();
  }
  function names(tab, id) {
    var r = tab.get(id);
    return r ? r.names.join(" ") : id;
  }

  var index = new Map();
  data.events.forEach(function (e) {
    var parts = [e.id, e.date, e.title, e.title_vi, e.summary, e.place, e.note];
    e.people.forEach(function (p) { parts.push(names(people, p)); });
    e.topics.forEach(function (t) { parts.push(names(topics, t)); });
    e.sources.forEach(function (c) {
      parts.push(c.excerpt);
      var s = sources.get(c.source);
      if (s) parts.push(s.title, s.publisher);
    });
    e.quotes.forEach(function (x) { parts.push(x.text, x.translation, names(people, x.speaker)); });
    index.set(e.id, { text: fold(parts.join(" ")), topics: e.topics, people: e.people });
  });

  function fill(select, tab, key) {
    var counts = new Map();
    data.events.forEach(function (e) { e[key].forEach(function (id) { counts.set(id, (counts.get(id) || 0) + 1); }); });
    var label = function (id) { return tab.has(id) ? tab.get(id).label : id; };
    Array.from(counts.keys())
      .sort(function (a, b) { return label(a).localeCompare(label(b)); })
      .forEach(function (id) {
        var o = document.createElement("option");
        o.value = id;
        o.textContent = label(id) + " (" + counts.get(id) + ")";
        select.appendChild(o);
      });
  }
  fill(topic, topics, "topics");
  fill(person, people, "people");

  var items = Array.prototype.slice.call(document.querySelectorAll("li[data-event]"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section[data-year]"));

  function apply() {
    var words = fold(q.value).split(" ").filter(Boolean);
    var t = topic.value, p = person.value, n = 0;
    items.forEach(function (el) {
      var e = index.get(el.getAttribute("data-event"));
      var ok = !!e && (!t || e.topics.indexOf(t) >= 0) && (!p || e.people.indexOf(p) >= 0) &&
        words.every(function (w) { return e.text.indexOf(w) >= 0; });
      el.hidden = !ok;
      if (ok) n += 1;
    });
    sections.forEach(function (s) {
      var any = s.querySelector("li[data-event]:not([hidden])") !== null;
      s.hidden = !any;
      var link = document.querySelector('nav.years a[data-year="' + s.getAttribute("data-year") + '"]');
      if (link) link.hidden = !any;
    });
    shown.textContent = n === items.length ? n + " events" : n + " of " + items.length + " events";
    document.body.setAttribute("data-shown", String(n));
    $("none").hidden = n !== 0;
  }

  function readHash() {
    var h = location.hash.replace(/^#/, "");
    if (h.indexOf("=") < 0) return;
    var params = new URLSearchParams(h);
    q.value = params.get("q") || "";
    [[topic, "topic"], [person, "person"]].forEach(function (pair) {
      var v = params.get(pair[1]) || "";
      pair[0].value = Array.prototype.some.call(pair[0].options, function (o) { return o.value === v; }) ? v : "";
    });
  }
  function writeHash() {
    var params = new URLSearchParams();
    if (q.value) params.set("q", q.value);
    if (topic.value) params.set("topic", topic.value);
    if (person.value) params.set("person", person.value);
    var h = params.toString();
    try { history.replaceState(null, "", h ? "#" + h : location.pathname + location.search); } catch (err) { /* file: URLs may refuse */ }
  }
  function changed() { apply(); writeHash(); }

  q.addEventListener("input", changed);
  topic.addEventListener("change", changed);
  person.addEventListener("change", changed);
  window.addEventListener("hashchange", function () { readHash(); apply(); });
  $("controls").addEventListener("submit", function (ev) { ev.preventDefault(); });
  $("controls").hidden = false;
  readHash();
  apply();
  document.body.setAttribute("data-ready", "1");
})();
