// Follows a report build: polls its API resource and reloads the page when it is done.
(function () {
  const box = document.getElementById("report-progress");
  if (!box) return;
  const bar = document.getElementById("report-bar");
  const label = document.getElementById("report-status");
  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { credentials: "same-origin" });
      if (response.ok) {
        const run = await response.json();
        bar.max = Math.max(run.progress_total, 1);
        bar.value = run.progress_done;
        label.textContent = run.status + (run.error ? ": " + run.error : "");
        if (run.status === "done" || run.status === "failed") {
          window.location.assign(box.dataset.page);
          return;
        }
      }
    } catch (error) {
      label.textContent = "waiting for the server…";
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 500);
})();
