// Contest page helper: a countdown from the server's deadline, and saving each
// answer as it is tapped. Without this script the page still works by form posts.
const bar = document.querySelector(".attempt-bar");
const form = document.querySelector("form.question");

if (bar) {
  const skew = Date.now() / 1000 - Number(bar.dataset.now);
  const deadline = Number(bar.dataset.deadline) + skew;
  const clock = bar.querySelector(".countdown");
  const tick = () => {
    const left = Math.max(0, Math.round(deadline - Date.now() / 1000));
    clock.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) window.location.href = bar.dataset.result;
    else setTimeout(tick, 1000);
  };
  tick();
}

if (form) {
  const state = form.querySelector(".save-state");
  const choice = () => {
    if (form.dataset.type === "ordering") {
      return [...form.querySelectorAll("select")]
        .map((s) => [Number(s.name.slice(5)), Number(s.value)])
        .sort((a, b) => a[1] - b[1])
        .map(([id]) => id);
    }
    return [...form.querySelectorAll("input[name=choice]:checked")].map((i) => Number(i.value));
  };
  form.addEventListener("change", async () => {
    const picked = choice();
    if (!picked.length) return;
    state.textContent = "…";
    try {
      const response = await fetch(form.dataset.save, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ position: Number(form.dataset.position), choice: picked }),
      });
      const body = await response.json();
      state.textContent = response.ok ? state.dataset.saved : body.error;
      if (response.status === 409) window.location.href = bar.dataset.result;
    } catch {
      state.textContent = state.dataset.offline;
    }
  });
}
