// The console's municipality page while provisioning runs: polls the run's progress and shows
// each step's state, time and error; reloads the page once the municipality is active.
(function () {
  var url = document.currentScript.dataset.progressUrl;
  var milliseconds = document.currentScript.dataset.milliseconds || "{ms} ms";
  function poll() {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
      var status = document.getElementById("status");
      status.textContent = data.status_label; status.className = "status status-" + data.status;
      if (data.run) {
        var rs = document.getElementById("run-state");
        rs.textContent = data.run.state_label; rs.className = "status status-" + data.run.state;
        document.getElementById("run-error").textContent = data.run.error || "";
        data.run.steps.forEach(function (s) {
          var row = document.querySelector('tr[data-step="' + s.name + '"]');
          if (!row) return;
          var badge = document.createElement("span");
          badge.className = "status status-" + s.state;
          badge.textContent = s.state_label;
          row.querySelector(".state").replaceChildren(badge);
          row.querySelector(".time").textContent = s.duration_ms === null ? "" : milliseconds.replace("{ms}", s.duration_ms);
          row.querySelector(".error").textContent = s.error;
        });
      }
      if (data.status === "active") { window.location.reload(); return; }
      if (!data.run || data.run.state !== "failed") { setTimeout(poll, 700); }
    }).catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 500);
})();
