/* Check-in page: a "扫码" button that reads the booking QR code with the camera.
 *
 * Progressive enhancement: the button stays hidden unless the browser has BarcodeDetector with
 * QR support and a camera API; a scan only fills the text box and submits the same form that
 * typing the code uses. Served as a static file because the console's CSP forbids inline script.
 */
(function () {
  "use strict";

  var button = document.getElementById("scan-button");
  var note = document.getElementById("scan-note");
  var video = document.getElementById("scan-video");
  var input = document.getElementById("checkin-code");
  var form = document.getElementById("checkin-form");
  if (!button || !video || !input || !form) {
    return;
  }

  var stream = null;
  var scanning = false;

  function say(text) {
    if (note) {
      note.textContent = text;
    }
  }

  function stop() {
    scanning = false;
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.hidden = true;
    button.textContent = "扫码";
  }

  function submit(value) {
    input.value = value;
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function loop(detector) {
    if (!scanning) {
      return;
    }
    detector.detect(video).then(function (codes) {
      if (scanning && codes.length > 0 && codes[0].rawValue) {
        var value = codes[0].rawValue;
        stop();
        submit(value);
        return;
      }
      window.requestAnimationFrame(function () { loop(detector); });
    }).catch(function () {
      window.requestAnimationFrame(function () { loop(detector); });
    });
  }

  function start(detector) {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        scanning = true;
        button.textContent = "停止扫码";
        say("请将预约二维码对准摄像头。");
        return video.play().then(function () { loop(detector); });
      })
      .catch(function () {
        stop();
        say("无法使用摄像头（可能未授权），请直接输入预约码。");
      });
  }

  function enable(detector) {
    button.hidden = false;
    button.disabled = false;
    say("可点击“扫码”用摄像头扫描预约二维码，也可直接输入预约码。");
    button.addEventListener("click", function () {
      if (scanning) {
        stop();
        say("已停止扫码。");
      } else {
        start(detector);
      }
    });
  }

  var supported = "BarcodeDetector" in window && navigator.mediaDevices &&
    typeof navigator.mediaDevices.getUserMedia === "function";
  if (!supported) {
    return; // the page's default note already says to type the code
  }
  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") === -1) {
      return;
    }
    enable(new window.BarcodeDetector({ formats: ["qr_code"] }));
  }).catch(function () { /* keep typing as the only way */ });
})();
