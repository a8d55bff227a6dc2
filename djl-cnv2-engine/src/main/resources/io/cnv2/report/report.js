/*
 * Draws the charts of a cnv2 report (HtmlReport) with Chart.js and makes each one downloadable
 * as PNG, SVG and CSV, offline. Three small Chart.js plugins add what a printed figure needs:
 * a white background (a PNG is a figure on paper, not a transparent cut-out), a dashed reference
 * line (speedup 1.0 = DaDianNao) and point tags placed where they overlap neither another tag nor
 * a point (a tag that finds no free place is left to the tooltip).
 *
 * SVG: Chart.js draws on a canvas, so the SVG is drawn again from the chart's own layout (the
 * bars' and points' pixel positions, the axes' tick labels, the legend boxes, the tags placed):
 * real vector shapes and text at the places the canvas shows them, not a PNG wrapped in SVG.
 */
(function () {
  'use strict';
  var charts = {};
  var TAG_FONT = '11px system-ui, sans-serif';

  var background = {
    id: 'cnv2Background',
    beforeDraw: function (chart) {
      var c = chart.ctx;
      c.save();
      c.fillStyle = '#ffffff';
      c.fillRect(0, 0, chart.width, chart.height);
      c.restore();
    }
  };

  /** options.plugins.cnv2Reference = {value, label}: a dashed line across the value axis. */
  var reference = {
    id: 'cnv2Reference',
    defaults: {},
    afterDatasetsDraw: function (chart, args, opts) {
      chart.$cnv2Reference = null;
      if (opts.value === undefined || opts.value === null) {
        return;
      }
      var horizontalBars = chart.options.indexAxis === 'y';
      var scale = chart.scales[horizontalBars ? 'x' : 'y'];
      var p = scale.getPixelForValue(opts.value);
      var a = chart.chartArea;
      if (!(p >= (horizontalBars ? a.left : a.top) - 0.5 && p <= (horizontalBars ? a.right : a.bottom) + 0.5)) {
        return;
      }
      var line = horizontalBars ? {x1: p, y1: a.top, x2: p, y2: a.bottom, tx: p + 4, ty: a.top + 10, anchor: 'start'}
          : {x1: a.left, y1: p, x2: a.right, y2: p, tx: a.right - 4, ty: p - 7, anchor: 'end'};
      line.label = opts.label || '';
      var c = chart.ctx;
      c.save();
      c.strokeStyle = '#333333';
      c.lineWidth = 1.2;
      c.setLineDash([6, 4]);
      c.beginPath();
      c.moveTo(line.x1, line.y1);
      c.lineTo(line.x2, line.y2);
      c.stroke();
      c.setLineDash([]);
      c.font = TAG_FONT;
      // the label on a white box, so a bar behind it does not garble it; tags keep clear of it
      var w = c.measureText(line.label).width + 6;
      line.box = {x: line.anchor === 'end' ? line.tx - w + 3 : line.tx - 3, y: line.ty - 7, w: w, h: 14};
      if (line.label) {
        c.fillStyle = 'rgba(255,255,255,0.85)';
        c.fillRect(line.box.x, line.box.y, line.box.w, line.box.h);
        c.fillStyle = '#333333';
        c.textAlign = line.anchor === 'end' ? 'right' : 'left';
        c.textBaseline = 'middle';
        c.fillText(line.label, line.tx, line.ty);
      }
      c.restore();
      chart.$cnv2Reference = line;
    }
  };

  /** dataset.pointTags[i]: short text drawn next to point i, where it hides nothing. */
  var tags = {
    id: 'cnv2Tags',
    afterDatasetsDraw: function (chart) {
      var placed = [];
      var obstacles = chart.$cnv2Reference && chart.$cnv2Reference.label ? [chart.$cnv2Reference.box] : [];
      var a = chart.chartArea;
      chart.data.datasets.forEach(function (d, i) {
        if (chart.isDatasetVisible(i)) {
          chart.getDatasetMeta(i).data.forEach(function (el) {
            obstacles.push({x: el.x - 5, y: el.y - 5, w: 10, h: 10});
          });
        }
      });
      var c = chart.ctx;
      c.save();
      c.font = TAG_FONT;
      c.textBaseline = 'middle';
      c.textAlign = 'left';
      chart.data.datasets.forEach(function (d, i) {
        if (!d.pointTags || !chart.isDatasetVisible(i)) {
          return;
        }
        chart.getDatasetMeta(i).data.forEach(function (el, j) {
          var text = d.pointTags[j];
          if (!text || !isFinite(el.x) || !isFinite(el.y)) {
            return;
          }
          var w = c.measureText(text).width + 2;
          var spot = freeSpot(el.x, el.y, w, 13, a, placed.concat(obstacles));
          if (!spot) {
            return;
          }
          spot.text = text;
          spot.px = el.x;
          spot.py = el.y;
          spot.leader = Math.hypot(spot.x + spot.w / 2 - el.x, spot.y + spot.h / 2 - el.y) > Math.max(w, 13);
          if (spot.leader) {
            c.strokeStyle = '#999999';
            c.lineWidth = 0.8;
            c.beginPath();
            c.moveTo(el.x, el.y);
            c.lineTo(nearestX(spot, el.x), nearestY(spot, el.y));
            c.stroke();
          }
          c.fillStyle = '#222222';
          c.fillText(text, spot.x + 1, spot.y + spot.h / 2);
          placed.push(spot);
        });
      });
      c.restore();
      chart.$cnv2Tags = placed;
    }
  };

  /** The first of rings of places around (x, y) where a w x h box stays in the area and hits nothing. */
  function freeSpot(x, y, w, h, area, taken) {
    var directions = [[1, 0], [-1, 0], [0, -1], [0, 1], [1, -1], [-1, -1], [1, 1], [-1, 1]];
    for (var ring = 0; ring < 5; ring++) {
      var gap = 6 + ring * 14;
      for (var k = 0; k < directions.length; k++) {
        var dx = directions[k][0];
        var dy = directions[k][1];
        var cx = x + dx * (w / 2 + gap);
        var cy = y + dy * (h / 2 + gap * (dx === 0 ? 1 : 0.6));
        var b = {x: cx - w / 2, y: cy - h / 2, w: w, h: h};
        if (b.x >= area.left && b.x + w <= area.right && b.y >= area.top && b.y + h <= area.bottom
            && !taken.some(function (t) { return overlap(b, t); })) {
          return b;
        }
      }
    }
    return null;
  }

  function overlap(p, q) {
    return p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;
  }

  function nearestX(b, x) {
    return Math.max(b.x, Math.min(x, b.x + b.w));
  }

  function nearestY(b, y) {
    return Math.max(b.y, Math.min(y, b.y + b.h));
  }

  // ---- downloads ----

  /** The chart as PNG at three times screen resolution (about 300 dpi at print size). */
  function png(chart) {
    var before = chart.options.devicePixelRatio;
    chart.options.devicePixelRatio = 3;
    chart.resize();
    var url = chart.toBase64Image('image/png', 1);
    chart.options.devicePixelRatio = before;
    chart.resize();
    return url;
  }

  /** The data behind the chart: one row per category (bars, lines) or per point (curves). */
  function csv(chart) {
    var data = chart.data;
    var scales = chart.options.scales;
    var rows = [];
    if (data.labels && data.labels.length) {
      var categoryAxis = chart.options.indexAxis === 'y' ? scales.y : scales.x;
      rows.push([title(categoryAxis) || 'category'].concat(data.datasets.map(function (d) { return d.label; })));
      data.labels.forEach(function (label, j) {
        rows.push([label].concat(data.datasets.map(function (d) { return d.data[j]; })));
      });
    } else {
      rows.push(['series', title(scales.x) || 'x', title(scales.y) || 'y', 'point']);
      data.datasets.forEach(function (d) {
        d.data.forEach(function (p, j) {
          rows.push([d.label, p.x, p.y, d.pointLabels ? d.pointLabels[j] : '']);
        });
      });
    }
    return rows.map(function (r) { return r.map(csvCell).join(','); }).join('\n') + '\n';
  }

  function title(scale) {
    return scale && scale.title && scale.title.text ? scale.title.text : '';
  }

  function csvCell(v) {
    var s = v === null || v === undefined || (typeof v === 'number' && !isFinite(v)) ? '' : String(v);
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function svg(chart) {
    var out = [];
    var W = chart.width;
    var H = chart.height;
    var a = chart.chartArea;
    out.push('<svg xmlns="http://www.w3.org/2000/svg" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' '
        + H + '" font-family="Helvetica, Arial, sans-serif" font-size="12" fill="#666666">');
    out.push('<rect x="0" y="0" width="' + W + '" height="' + H + '" fill="#ffffff"/>');
    Object.keys(chart.scales).forEach(function (id) {
      axis(out, chart.scales[id], a);
    });
    chart.data.datasets.forEach(function (d, i) {
      if (chart.isDatasetVisible(i)) {
        dataset(out, chart, d, chart.getDatasetMeta(i));
      }
    });
    var ref = chart.$cnv2Reference;
    if (ref) {
      out.push('<line x1="' + n(ref.x1) + '" y1="' + n(ref.y1) + '" x2="' + n(ref.x2) + '" y2="' + n(ref.y2)
          + '" stroke="#333333" stroke-width="1.2" stroke-dasharray="6 4"/>');
      if (ref.label) {
        out.push('<rect x="' + n(ref.box.x) + '" y="' + n(ref.box.y) + '" width="' + n(ref.box.w) + '" height="'
            + n(ref.box.h) + '" fill="#ffffff" fill-opacity="0.85"/>');
        out.push(text(ref.tx, ref.ty, ref.label, ref.anchor, 'fill="#333333" font-size="11"'));
      }
    }
    (chart.$cnv2Tags || []).forEach(function (t) {
      if (t.leader) {
        out.push('<line x1="' + n(t.px) + '" y1="' + n(t.py) + '" x2="' + n(nearestX(t, t.px)) + '" y2="'
            + n(nearestY(t, t.py)) + '" stroke="#999999" stroke-width="0.8"/>');
      }
      out.push(text(t.x + 1, t.y + t.h / 2, t.text, 'start', 'fill="#222222" font-size="11"'));
    });
    legend(out, chart);
    var tb = chart.titleBlock;
    if (tb && tb.options.display) {
      var lines = Array.isArray(tb.options.text) ? tb.options.text : [tb.options.text];
      var size = tb.options.font && tb.options.font.size ? tb.options.font.size : 12;
      lines.forEach(function (t, k) {
        out.push(text(tb.left + tb.width / 2, tb.top + tb.height / 2 + (k - (lines.length - 1) / 2) * size * 1.2, t,
            'middle', 'font-weight="bold" font-size="' + size + '" fill="#666666"'));
      });
    }
    out.push('</svg>');
    return out.join('\n');
  }

  function axis(out, s, a) {
    var horizontal = s.isHorizontal();
    var categories = s.type === 'category';
    if (!categories) {
      s.ticks.forEach(function (t, i) {
        var p = s.getPixelForTick(i);
        out.push(horizontal ? line(p, a.top, p, a.bottom, '#e6e6e6') : line(a.left, p, a.right, p, '#e6e6e6'));
      });
    }
    out.push(horizontal ? line(a.left, a.bottom, a.right, a.bottom, '#bbbbbb')
        : line(a.left, a.top, a.left, a.bottom, '#bbbbbb'));
    s.getLabelItems(a).forEach(function (item) {
      var o = item.options;
      var label = Array.isArray(item.label) ? item.label.join(' ') : String(item.label);
      if (label === '') {
        return;
      }
      var anchor = o.textAlign === 'right' || o.textAlign === 'end' ? 'end'
          : o.textAlign === 'left' || o.textAlign === 'start' ? 'start' : 'middle';
      var x = o.translation[0];
      var y = o.translation[1] + item.textOffset;
      var rotate = o.rotation ? ' transform="rotate(' + n(o.rotation * 180 / Math.PI) + ' ' + n(o.translation[0])
          + ' ' + n(o.translation[1]) + ')"' : '';
      out.push(text(x, y, label, anchor, 'font-size="11"' + rotate));
    });
    var t = s.options.title;
    if (t && t.display && t.text) {
      out.push(horizontal ? text((s.left + s.right) / 2, s.bottom - 8, t.text, 'middle', '')
          : text(s.left + 8, (s.top + s.bottom) / 2, t.text, 'middle',
              'transform="rotate(-90 ' + n(s.left + 8) + ' ' + n((s.top + s.bottom) / 2) + ')"'));
    }
  }

  function dataset(out, chart, d, meta) {
    var points = [];
    meta.data.forEach(function (el, j) {
      var fill = pick(d.backgroundColor, j);
      if (meta.type === 'bar') {
        var p = el.getProps(['x', 'y', 'base', 'width', 'height', 'horizontal'], true);
        var r = p.horizontal ? {x: Math.min(p.x, p.base), y: p.y - p.height / 2, w: Math.abs(p.x - p.base), h: p.height}
            : {x: p.x - p.width / 2, y: Math.min(p.y, p.base), w: p.width, h: Math.abs(p.base - p.y)};
        if ([r.x, r.y, r.w, r.h].every(isFinite)) {
          out.push('<rect x="' + n(r.x) + '" y="' + n(r.y) + '" width="' + n(r.w) + '" height="' + n(r.h)
              + '" fill="' + fill + '"/>');
        }
      } else if (!el.skip && isFinite(el.x) && isFinite(el.y)) {
        points.push(n(el.x) + ',' + n(el.y));
        var radius = el.options && el.options.radius !== undefined ? el.options.radius : 3;
        if (radius > 0) {
          out.push('<circle cx="' + n(el.x) + '" cy="' + n(el.y) + '" r="' + n(radius) + '" fill="' + fill
              + '" stroke="' + pick(d.borderColor, j) + '"/>');
        }
      }
    });
    var lined = meta.type === 'line' ? d.showLine !== false : d.showLine === true;
    if (lined && points.length > 1) {
      var dash = d.borderDash && d.borderDash.length ? ' stroke-dasharray="' + d.borderDash.join(' ') + '"' : '';
      out.push('<polyline points="' + points.join(' ') + '" fill="none" stroke="' + pick(d.borderColor, 0)
          + '" stroke-width="2"' + dash + '/>');
    }
  }

  function legend(out, chart) {
    var l = chart.legend;
    if (!l || !l.options.display || !l.legendItems) {
      return;
    }
    var labels = l.options.labels;
    var lined = labels.usePointStyle && labels.pointStyle === 'line';
    var box = lined ? labels.pointStyleWidth || 12 : labels.boxWidth;
    l.legendItems.forEach(function (item, i) {
      var h = l.legendHitBoxes[i];
      if (!h) {
        return;
      }
      if (lined) {
        var dash = item.lineDash && item.lineDash.length ? ' stroke-dasharray="' + item.lineDash.join(' ') + '"' : '';
        out.push('<line x1="' + n(h.left) + '" y1="' + n(h.top + h.height / 2) + '" x2="' + n(h.left + box)
            + '" y2="' + n(h.top + h.height / 2) + '" stroke="' + item.strokeStyle + '" stroke-width="2"' + dash + '/>');
      } else {
        out.push('<rect x="' + n(h.left) + '" y="' + n(h.top) + '" width="' + n(box) + '" height="' + n(h.height)
            + '" fill="' + item.fillStyle + '" stroke="' + item.strokeStyle + '"/>');
      }
      out.push(text(h.left + box + 6, h.top + h.height / 2, item.text, 'start', ''));
    });
  }

  function pick(colour, j) {
    return Array.isArray(colour) ? colour[j % colour.length] : colour || '#666666';
  }

  function line(x1, y1, x2, y2, colour) {
    return '<line x1="' + n(x1) + '" y1="' + n(y1) + '" x2="' + n(x2) + '" y2="' + n(y2) + '" stroke="' + colour
        + '" stroke-width="1"/>';
  }

  function text(x, y, s, anchor, extra) {
    return '<text x="' + n(x) + '" y="' + n(y) + '" text-anchor="' + anchor + '" dominant-baseline="middle" '
        + extra + '>' + xml(s) + '</text>';
  }

  function n(v) {
    return String(Math.round(v * 100) / 100);
  }

  // [<] rather than a bare <: the page escapes every "<" + "/" in a script, which would break the regex
  function xml(s) {
    return String(s).replace(/&/g, '&amp;').replace(/[<]/g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }

  function download(id, kind) {
    var chart = charts[id];
    var name = document.getElementById(id).getAttribute('data-file') || id;
    var a = document.createElement('a');
    if (kind === 'png') {
      a.href = png(chart);
    } else {
      var type = kind === 'svg' ? 'image/svg+xml' : 'text/csv';
      a.href = URL.createObjectURL(new Blob([kind === 'svg' ? svg(chart) : csv(chart)], {type: type}));
    }
    a.download = name + '.' + kind;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  // ---- drawing ----

  /**
   * A log axis labels 1, 2 and 5 of each decade (Chart.js would also label 3 and 7, which crowd
   * the top of a decade); an axis within one decade labels every tick.
   */
  function logTicks(config) {
    Object.keys(config.options.scales || {}).forEach(function (id) {
      var s = config.options.scales[id];
      if (s.type === 'logarithmic') {
        s.ticks = {callback: function (v, i, ticks) {
          var span = ticks[ticks.length - 1].value / ticks[0].value;
          var m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
          var named = [1, 2, 5].some(function (k) { return Math.abs(m - k) < 1e-6; });
          return span <= 10 || named ? v.toLocaleString('en', {maximumSignificantDigits: 3}) : '';
        }};
      }
    });
  }

  var specs = JSON.parse(document.getElementById('cnv2-charts').textContent);
  var drawn = 0;
  try {
    Chart.register(background, reference, tags);
    specs.forEach(function (spec) {
      var config = spec.config;
      logTicks(config);
      // a point's tooltip shows its full label (the thresholds of a sweep point)
      config.options.plugins.tooltip = {callbacks: {afterLabel: function (ctx) {
        var labels = ctx.dataset.pointLabels;
        return labels ? labels[ctx.dataIndex] : '';
      }}};
      var canvas = document.getElementById(spec.canvas);
      charts[spec.canvas] = new Chart(canvas, config);
      canvas.setAttribute('data-rendered', 'true');
      drawn++;
    });
  } catch (e) {
    var p = document.getElementById('chart-error');
    p.hidden = false;
    p.textContent = 'charts could not be drawn: ' + e;
  }
  document.body.setAttribute('data-charts-rendered', String(drawn));
  document.addEventListener('click', function (e) {
    var b = e.target.closest('.downloads button');
    if (b) {
      download(b.parentNode.getAttribute('data-chart'), b.getAttribute('data-kind'));
    }
  });
  window.cnv2Report = {charts: charts, png: function (id) { return png(charts[id]); },
    svg: function (id) { return svg(charts[id]); }, csv: function (id) { return csv(charts[id]); }};
})();
