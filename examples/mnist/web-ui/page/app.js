// SPDX-License-Identifier: MIT
// mnist-web-ui: page logic. Talks only to this web-ui (same origin), which proxies to serve.
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var statusEl = $('status');
  var busy = 0;

  function target() {
    return { name: $('model-name').value.trim(), addr: $('server-addr').value.trim(),
             port: $('server-port').value.trim() };
  }

  function query(t) {
    return 'name=' + encodeURIComponent(t.name) + '&addr=' + encodeURIComponent(t.addr) +
           '&port=' + encodeURIComponent(t.port);
  }

  function getJSON(url, opts) {
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return { error: 'HTTP ' + r.status }; })
        .then(function (j) {
          if (!r.ok) throw new Error(j && j.error ? j.error : 'HTTP ' + r.status);
          return j;
        });
    });
  }

  function setStatus(ok, text) {
    statusEl.className = 'status ' + (ok ? 'ok' : 'error');
    statusEl.textContent = text;
  }

  function connect() {
    var t = target();
    statusEl.className = 'status pending';
    statusEl.textContent = 'Connecting\u2026';
    return getJSON('/api/status?' + query(t)).then(function (s) {
      $('model-version').textContent = s.model_version;
      setStatus(s.state === 'AVAILABLE',
                (s.state === 'AVAILABLE' ? '\u2713 Connected' : 'Model state ' + s.state) +
                ' (model version: ' + s.model_version + ')');
      return true;
    }).catch(function (e) {
      $('model-version').textContent = '';
      setStatus(false, '\u2757 Exception making request: ' + e.message);
      return false;
    });
  }

  // ---- results ----

  function buildBars() {
    var table = $('bars');
    for (var i = 0; i < 10; i++) {
      var tr = document.createElement('tr');
      tr.id = 'bar-' + i;
      tr.innerHTML = '<td class="label">Probability ' + i + ':</td>' +
                     '<td><div class="bar"><div></div></div></td><td class="value">-</td>';
      table.appendChild(tr);
    }
  }

  function showPrediction(res, source) {
    $('prediction').textContent = String(res.prediction);
    $('source').textContent = source;
    for (var i = 0; i < 10; i++) {
      var p = res.scores[i];
      var tr = $('bar-' + i);
      tr.className = i === res.prediction ? 'best' : '';
      tr.querySelector('.bar > div').style.width = (p * 100).toFixed(1) + '%';
      tr.querySelector('.value').textContent = (p * 100).toFixed(p < 0.001 ? 3 : 1) + '%';
    }
    $('latency').textContent = 'model ' + res.model_name + ' version ' + res.model_version +
        ', ' + res.latency_ms.toFixed(1) + ' ms';
    if (res.model_version) $('model-version').textContent = res.model_version;
  }

  function showError(e) {
    $('prediction').textContent = '?';
    $('source').textContent = '';
    setStatus(false, '\u2757 Exception making request: ' + e.message);
  }

  function predict(body, source) {
    var t = target();
    body.name = t.name; body.addr = t.addr; body.port = t.port;
    busy++;
    document.body.setAttribute('data-busy', String(busy));
    return getJSON('/api/predict', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
    }).then(function (res) { showPrediction(res, source); }, showError).then(function () {
      busy--;
      document.body.setAttribute('data-busy', String(busy));
    });
  }

  function drawDigit(pixels) {
    var c = $('digit'), ctx = c.getContext('2d');
    var img = ctx.createImageData(28, 28);
    for (var i = 0; i < 784; i++) {
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = pixels[i];
      img.data[4 * i + 3] = 255;
    }
    var tmp = document.createElement('canvas');
    tmp.width = tmp.height = 28;
    tmp.getContext('2d').putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tmp, 0, 0, 128, 128);
  }

  function testRandom() {
    busy++;
    document.body.setAttribute('data-busy', String(busy));
    return getJSON('/api/random').then(function (r) {
      drawDigit(r.pixels);
      $('truth').textContent = String(r.label);
      return predict({ index: r.index }, 'random test image #' + r.index);
    }).catch(showError).then(function () {
      busy--;
      document.body.setAttribute('data-busy', String(busy));
    });
  }

  // ---- drawing ----

  var canvas = $('canvas'), dctx = canvas.getContext('2d');
  var drawing = false, last = null, dirty = false;

  function clearCanvas() {
    dctx.fillStyle = '#000';
    dctx.fillRect(0, 0, canvas.width, canvas.height);
    $('preview').getContext('2d').clearRect(0, 0, 28, 28);
    dirty = false;
  }

  function pos(ev) {
    var r = canvas.getBoundingClientRect();
    return { x: (ev.clientX - r.left) * canvas.width / r.width,
             y: (ev.clientY - r.top) * canvas.height / r.height };
  }

  function stroke(a, b) {
    dctx.strokeStyle = '#fff';
    dctx.fillStyle = '#fff';
    dctx.lineWidth = 20;
    dctx.lineCap = 'round';
    dctx.lineJoin = 'round';
    dctx.beginPath();
    dctx.moveTo(a.x, a.y);
    dctx.lineTo(b.x, b.y);
    dctx.stroke();
    dirty = true;
  }

  // MNIST preprocessing: fit the ink's bounding box into 20x20 (keeping the aspect ratio),
  // then place it in 28x28 so that its centre of mass is at the centre.
  function preprocess() {
    var w = canvas.width, h = canvas.height;
    var src = dctx.getImageData(0, 0, w, h).data;
    var x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (var y = 0; y < h; y++) {
      for (var x = 0; x < w; x++) {
        if (src[4 * (y * w + x)] > 16) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    if (x1 < 0) return null;
    var bw = x1 - x0 + 1, bh = y1 - y0 + 1;
    var s = 20 / Math.max(bw, bh);
    var tw = Math.max(1, Math.round(bw * s)), th = Math.max(1, Math.round(bh * s));
    var tmp = document.createElement('canvas');
    tmp.width = tw; tmp.height = th;
    var tctx = tmp.getContext('2d');
    tctx.imageSmoothingEnabled = true;
    tctx.imageSmoothingQuality = 'high';
    tctx.drawImage(canvas, x0, y0, bw, bh, 0, 0, tw, th);
    var t = tctx.getImageData(0, 0, tw, th).data;
    var mass = 0, cx = 0, cy = 0;
    for (y = 0; y < th; y++) {
      for (x = 0; x < tw; x++) {
        var v = t[4 * (y * tw + x)] / 255;
        mass += v; cx += v * x; cy += v * y;
      }
    }
    cx = mass ? cx / mass : tw / 2;
    cy = mass ? cy / mass : th / 2;
    var ox = Math.round(13.5 - cx), oy = Math.round(13.5 - cy);
    var out = new Array(784);
    for (var i = 0; i < 784; i++) out[i] = 0;
    for (y = 0; y < th; y++) {
      for (x = 0; x < tw; x++) {
        var X = x + ox, Y = y + oy;
        if (X >= 0 && X < 28 && Y >= 0 && Y < 28) out[Y * 28 + X] = t[4 * (y * tw + x)] / 255;
      }
    }
    var pctx = $('preview').getContext('2d');
    var img = pctx.createImageData(28, 28);
    for (i = 0; i < 784; i++) {
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = Math.round(out[i] * 255);
      img.data[4 * i + 3] = 255;
    }
    pctx.putImageData(img, 0, 0);
    return out;
  }

  function predictDrawing() {
    if (!dirty) return;
    var px = preprocess();
    if (!px) return;
    $('truth').textContent = '\u2013';
    predict({ pixels: px }, 'your drawing');
  }

  canvas.addEventListener('pointerdown', function (ev) {
    drawing = true;
    last = pos(ev);
    stroke(last, last);
    if (canvas.setPointerCapture) canvas.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  canvas.addEventListener('pointermove', function (ev) {
    if (!drawing) return;
    var p = pos(ev);
    stroke(last, p);
    last = p;
    ev.preventDefault();
  });
  function endStroke() {
    if (!drawing) return;
    drawing = false;
    predictDrawing();
  }
  canvas.addEventListener('pointerup', endStroke);
  canvas.addEventListener('pointercancel', endStroke);
  canvas.addEventListener('pointerleave', endStroke);

  // ---- wiring ----

  $('server-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var t = target();
    if (window.history && history.replaceState) history.replaceState(null, '', '/?' + query(t));
    connect().then(function (ok) { if (ok) testRandom(); });
  });
  $('random').addEventListener('click', function () { testRandom(); });
  $('clear').addEventListener('click', function () {
    clearCanvas();
    $('prediction').textContent = '\u2013';
    $('source').textContent = '';
  });

  buildBars();
  clearCanvas();
  connect().then(function (ok) { if (ok) testRandom(); });
})();
