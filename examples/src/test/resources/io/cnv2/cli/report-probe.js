/*
 * Appended by HtmlReportBrowserTest to a copy of a report: after the page drew its charts, reads
 * back what each chart shows (title, categories, series, colours, scales, reference line, tags
 * placed), how much of its plot area is inked, its download buttons, and what its PNG, SVG and
 * CSV downloads produce, as JSON in a pre element (id probe) for the test to read from the DOM.
 */
(function () {
  'use strict';
  var out = {title: document.title, h1: document.querySelector('h1').textContent, charts: [],
    heatTables: document.querySelectorAll('table.heat').length};
  document.querySelectorAll('canvas').forEach(function (cv) {
    var chart = window.cnv2Report && window.cnv2Report.charts[cv.id];
    var r = {id: cv.id, file: cv.getAttribute('data-file')};
    out.charts.push(r);
    if (!chart) {
      r.missing = true;
      return;
    }
    var t = chart.options.plugins.title.text;
    r.title = Array.isArray(t) ? t.filter(Boolean).join(' ') : t;
    r.type = chart.config.type;
    r.indexAxis = chart.options.indexAxis || 'x';
    r.labels = chart.data.labels || [];
    r.datasets = chart.data.datasets.map(function (d) {
      return {label: d.label, data: d.data, colour: d.backgroundColor, tags: d.pointTags || null};
    });
    r.scales = {};
    Object.keys(chart.scales).forEach(function (id) {
      var s = chart.scales[id];
      r.scales[id] = {type: s.type, min: s.min, max: s.max, stacked: !!s.options.stacked};
    });
    r.reference = chart.$cnv2Reference ? chart.options.plugins.cnv2Reference.value : null;
    r.tags = (chart.$cnv2Tags || []).map(function (g) { return {text: g.text, x: g.x, y: g.y, w: g.w, h: g.h}; });
    var ratio = chart.currentDevicePixelRatio;
    var a = chart.chartArea;
    var px = cv.getContext('2d').getImageData(Math.round(a.left * ratio), Math.round(a.top * ratio),
        Math.round((a.right - a.left) * ratio), Math.round((a.bottom - a.top) * ratio)).data;
    var ink = 0;
    for (var i = 0; i < px.length; i += 4) {
      if (px[i] < 230 || px[i + 1] < 230 || px[i + 2] < 230) {
        ink++;
      }
    }
    r.ink = ink / (px.length / 4);
    r.buttons = Array.prototype.map.call(document.querySelectorAll('.downloads[data-chart="' + cv.id + '"] button'),
        function (b) { return b.getAttribute('data-kind'); });
    r.cssWidth = chart.width;
    var png = window.cnv2Report.png(cv.id);
    var head = atob(png.slice(png.indexOf(',') + 1, png.indexOf(',') + 45));
    r.png = {prefix: png.slice(0, png.indexOf(',') + 1), length: png.length,
      width: ((head.charCodeAt(16) << 24) | (head.charCodeAt(17) << 16) | (head.charCodeAt(18) << 8)
          | head.charCodeAt(19)) >>> 0};
    r.canvasRestored = cv.width === Math.floor(chart.width * ratio);
    var svg = window.cnv2Report.svg(cv.id);
    var doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    r.svg = {wellFormed: doc.getElementsByTagName('parsererror').length === 0,
      root: doc.documentElement.nodeName,
      rects: doc.getElementsByTagName('rect').length, circles: doc.getElementsByTagName('circle').length,
      texts: Array.prototype.map.call(doc.getElementsByTagName('text'), function (e) { return e.textContent; })};
    r.csv = window.cnv2Report.csv(cv.id).split('\n').filter(function (l) { return l.length > 0; });
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
