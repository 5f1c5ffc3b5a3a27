// Onboarding: the subdomain's help text shows the address being typed, e.g. "nor-hachn.hamaynk.am".
(function () {
  var input = document.getElementById("id_slug");
  var help = document.getElementById("id_slug_helptext");
  if (!input || !help || !input.dataset.example) return;
  function show() {
    var slug = input.value.trim().toLowerCase() || "aparan";
    help.textContent = input.dataset.example.replace("%(host)s", slug + "." + input.dataset.domain);
  }
  input.addEventListener("input", show);
  show();
})();
