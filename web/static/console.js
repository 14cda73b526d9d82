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

// 添加一行 without a round trip: a copy of the last material row, emptied and renumbered. Without
// this script the button submits the form and the server shows it again with one more row.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("add-material-row");
  var table = document.getElementById("material-rows");
  var count = document.querySelector("input[name=material_rows]");
  if (!button || !table || !count || !table.tBodies[0]) {
    return;
  }
  button.addEventListener("click", function (ev) {
    var body = table.tBodies[0];
    var rows = body.rows;
    if (rows.length === 0) {
      return;
    }
    ev.preventDefault();
    var i = rows.length;
    var row = rows[rows.length - 1].cloneNode(true);
    row.id = "material-row-" + i;
    row.className = "material-row";
    var errors = row.querySelectorAll(".field-error");
    for (var e = 0; e < errors.length; e++) {
      errors[e].parentNode.removeChild(errors[e]);
    }
    var inputs = row.querySelectorAll("input");
    for (var k = 0; k < inputs.length; k++) {
      var input = inputs[k];
      input.name = input.name.replace(/^m\d+_/, "m" + i + "_");
      input.id = input.id.replace(/^m\d+-/, "m" + i + "-");
      var label = input.getAttribute("aria-label");
      if (label) {
        input.setAttribute("aria-label", label.replace(/材料\d+/, "材料" + (i + 1)));
      }
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      if (input.type === "checkbox") {
        input.checked = /_required$/.test(input.name);
      } else if (/_originals$/.test(input.name)) {
        input.value = "1";
      } else if (/_copies$/.test(input.name)) {
        input.value = "0";
      } else {
        input.value = "";
      }
    }
    body.appendChild(row);
    count.value = String(i + 1);
    row.querySelector("input").focus();
  });
});

// Search by name in a picker: entries (data-name) that do not contain the typed text are hidden as
// one types. Without this script the box sends a GET and the server hides them the same way.
document.addEventListener("DOMContentLoaded", function () {
  var boxes = document.querySelectorAll("input[data-pick]");
  for (var i = 0; i < boxes.length; i++) {
    boxes[i].addEventListener("input", function (ev) {
      var box = ev.target;
      var list = document.getElementById(box.getAttribute("data-pick"));
      if (!list) {
        return;
      }
      var text = box.value.trim().toLowerCase();
      var entries = list.querySelectorAll("[data-name]");
      for (var k = 0; k < entries.length; k++) {
        var e = entries[k];
        var match = e.getAttribute("data-name").toLowerCase().indexOf(text) >= 0;
        // A chosen entry stays in sight, as the server keeps it (an option selected, a box checked).
        var chosen = e.selected || e.querySelector("input:checked") !== null;
        e.hidden = !match && !chosen;
      }
    });
  }
});
