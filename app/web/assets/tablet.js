// The rating tablet's page (/tablet): while waiting or showing a case, ask the server every few
// seconds which case a window sent to this tablet, and reload when that changes (a new case, a
// withdrawn or expired one, the tablet revoked); after a rating or a refusal, back to waiting.
const root = document.getElementById("tablet");

function watch(stateUrl, shown, every) {
  const check = async () => {
    try {
      const response = await fetch(stateUrl, { credentials: "same-origin", cache: "no-store",
                                               headers: { Accept: "application/json" } });
      if (response.ok) {
        const state = await response.json();
        const offer = state.offer === null || state.offer === undefined ? "" : String(state.offer);
        if (!state.paired || offer !== shown) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // the hall's network hiccuped: ask again at the next round
    }
    window.setTimeout(check, every);
  };
  window.setTimeout(check, every);
}

if (root) {
  const { stateUrl, offer, pollSeconds, returnTo, returnAfter } = root.dataset;
  if (stateUrl) {
    watch(stateUrl, offer || "", Math.max(1, Number(pollSeconds) || 4) * 1000);
  }
  if (returnTo) {
    window.setTimeout(() => window.location.replace(returnTo), Math.max(1, Number(returnAfter) || 6) * 1000);
  }
  const form = document.getElementById("rate");
  if (form) {
    // the chosen level stands out (also on browsers without CSS :has)
    form.addEventListener("change", () => {
      form.querySelectorAll("label.level").forEach((label) => {
        label.classList.toggle("chosen", Boolean(label.querySelector("input:checked")));
      });
    });
    form.addEventListener("submit", () => {  // one tap, one rating
      const button = document.getElementById("submit-rating");
      if (button) window.setTimeout(() => { button.disabled = true; }, 0);
    });
  }
}
