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
    clock.textContent = `${clock.dataset.left} ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
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
  // One save at a time, always of the latest choice: two taps in quick succession
  // must not reach the server out of order and leave the first tap stored.
  // Saves carry this page view's id and a counter, so the server never lets a late,
  // older save overwrite a newer one.
  const page = Math.random().toString(36).slice(2, 14);
  let seq = 0;
  let pending = null;
  let again = false;
  const save = async () => {
    const picked = choice();
    if (!picked.length) return;
    try {
      const response = await fetch(form.dataset.save, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ position: Number(form.dataset.position), choice: picked, page, seq: ++seq }),
      });
      if (response.status === 503) {
        // The server is busy: wait as long as it asks (with jitter), then send the
        // latest choice again.
        const wait = Math.min(Number(response.headers.get("Retry-After")) || 1, 30);
        await new Promise((resolve) => setTimeout(resolve, wait * 1000 * (1 + Math.random())));
        again = true;
        return;
      }
      const body = await response.json().catch(() => ({}));
      if (response.status === 409) window.location.href = bar.dataset.result;
      if (!again) {
        state.textContent = response.ok ? state.dataset.saved : body.error || state.dataset.offline;
      }
    } catch {
      if (!again) state.textContent = state.dataset.offline;
    }
  };
  form.addEventListener("change", () => {
    if (!choice().length) return;
    state.textContent = "…";
    if (pending) {
      again = true;
      return;
    }
    pending = (async () => {
      do {
        again = false;
        await save();
      } while (again);
      pending = null;
    })();
  });
  // The buttons post the form; a save still on its way must not land after that post.
  form.addEventListener("submit", (event) => {
    if (!pending) return;
    event.preventDefault();
    const button = event.submitter;
    const waited = new Promise((resolve) => setTimeout(resolve, 5000));
    Promise.race([pending, waited]).then(() => {
      if (button && button.name) {
        const go = Object.assign(document.createElement("input"), { type: "hidden" });
        go.name = button.name;
        go.value = button.value;
        form.append(go);
      }
      form.submit();
    });
  });
}
