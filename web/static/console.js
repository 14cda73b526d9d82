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

// Loads a chosen CSV file into the import textarea (the form posts text; no upload needed).
document.addEventListener("DOMContentLoaded", function () {
  var inputs = document.querySelectorAll("input[type=file][data-into]");
  for (var i = 0; i < inputs.length; i++) {
    inputs[i].addEventListener("change", function (ev) {
      var input = ev.target;
      var target = document.getElementById(input.getAttribute("data-into"));
      if (!target || !input.files || !input.files[0]) {
        return;
      }
      var reader = new FileReader();
      reader.onload = function () {
        target.value = reader.result;
      };
      reader.readAsText(input.files[0], "utf-8");
    });
  }
});
