// stixhub web UI, SBOM upload: read the chosen file into the text box (progressive enhancement; pasting the
// JSON works without this script).
"use strict";
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var file = document.getElementById("sbom-file");
    var content = document.getElementById("sbom-content");
    var name = document.getElementById("sbom-name");
    if (!file || !content) return;
    file.addEventListener("change", function () {
      var chosen = file.files && file.files[0];
      if (!chosen) return;
      if (name) name.value = chosen.name;
      var reader = new FileReader();
      reader.onload = function () {
        content.value = reader.result;
      };
      reader.readAsText(chosen);
    });
  });
})();
