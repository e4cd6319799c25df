// claimcheck 审核台, /upload: refuse a file larger than the service accepts before it is sent (the server
// refuses it too, but a body over its limit is answered before the page sees it), and mark the form busy
// while the screening runs so that it is not sent twice. Without JavaScript the forms work as they are.
(function () {
  "use strict";
  function human(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.ceil(bytes / 1024) + " KB";
  }
  var forms = document.querySelectorAll("form.upload-form");
  window.addEventListener("pageshow", function () {  // back to a page left busy: usable again
    forms.forEach(function (form) {
      var button = form.querySelector('button[type="submit"]');
      if (button && button.disabled) {
        button.disabled = false;
        button.textContent = button.getAttribute("data-label") || button.textContent;
      }
      form.removeAttribute("aria-busy");
    });
  });
  forms.forEach(function (form) {
    var max = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
    var message = form.querySelector(".size-error");
    form.addEventListener("submit", function (event) {
      var total = 0;
      var tooLarge = null;
      form.querySelectorAll('input[type="file"]').forEach(function (input) {
        Array.prototype.forEach.call(input.files || [], function (file) {
          total += file.size;
          if (max && file.size > max && !tooLarge) { tooLarge = file; }
        });
      });
      if (max && (tooLarge || total > max)) {
        event.preventDefault();
        var name = tooLarge ? "“" + tooLarge.name + "”" : "所选文件合计";
        message.textContent = name + "超过 " + human(max) + " 上限，请拆分后再上传。";
        message.hidden = false;
        return;
      }
      message.hidden = true;
      var button = form.querySelector('button[type="submit"]');
      if (button) {
        button.setAttribute("data-label", button.textContent);
        button.disabled = true;
        button.textContent = "正在检查，请稍候…";
      }
      form.setAttribute("aria-busy", "true");
    });
  });
})();
