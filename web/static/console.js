// Submits the tenant switcher on change. The page works without this script.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("tenant-form");
  var select = document.getElementById("tenant-switch");
  var button = document.getElementById("tenant-submit");
  if (!form || !select) {
    return;
  }
  if (button) {
    button.hidden = true;
  }
  select.addEventListener("change", function () {
    form.submit();
  });
});

// Print buttons of the public guide.
document.addEventListener("DOMContentLoaded", function () {
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function () {
      window.print();
    });
  }
});
