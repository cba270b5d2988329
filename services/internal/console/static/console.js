// Docket console: progressive enhancements. Every page works without this
// script; with it, a tenant switch applies on choice and "verify this
// event" runs in the browser against the signed checkpoint.
import { verifyBundle } from "./verify.js";

/** Submits a form when a select marked data-autosubmit changes. */
function autosubmit() {
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
}

/**
 * Shows the outcome of a verification.
 * @param {HTMLElement} out
 * @param {boolean} ok
 * @param {string} title
 * @param {Array<[string, string]>} facts
 */
function show(out, ok, title, facts) {
  out.replaceChildren();
  out.className = ok ? "result ok" : "result bad";
  const h = document.createElement("h3");
  h.textContent = title;
  out.append(h);
  if (facts.length > 0) {
    const dl = document.createElement("dl");
    dl.className = "facts";
    for (const [k, v] of facts) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      dl.append(dt, dd);
    }
    out.append(dl);
  }
}

/** Verifies an event in the browser instead of downloading its bundle. */
function verifyForm() {
  const form = document.getElementById("verify");
  const out = document.getElementById("verify-result");
  if (!form || !out) {
    return;
  }
  const run = async () => {
    const data = new FormData(form);
    const params = new URLSearchParams({ tenant: data.get("tenant"), event: data.get("event") });
    show(out, true, "Verifying…", []);
    let bundle;
    try {
      const resp = await fetch("/integrity/bundle?" + params.toString(), { credentials: "same-origin" });
      if (resp.redirected) {
        throw new Error("your session has ended: sign in again");
      }
      if (!resp.ok) {
        const page = new DOMParser().parseFromString(await resp.text(), "text/html");
        const msg = page.querySelector(".message");
        throw new Error(msg ? msg.textContent : "the server answered " + resp.status);
      }
      bundle = await resp.json();
    } catch (err) {
      show(out, false, "Could not fetch the proof", [["Why", err.message]]);
      return;
    }
    const witnessKeys = String(data.get("witness_keys") || "")
      .split("\n").map((k) => k.trim()).filter((k) => k !== "");
    try {
      const r = await verifyBundle(bundle, String(data.get("log_key")).trim(), witnessKeys,
        Number(data.get("min_witnesses") || 0));
      show(out, true, "Verified: the event is in the ledger", [
        ["Event", String(data.get("event"))],
        ["Sequence", String(r.sequence)],
        ["Tree size", String(r.treeSize)],
        ["Log", r.origin + " (signed by " + r.logKeyName + ")"],
        ["Witnesses", r.witnesses.length > 0 ? r.witnesses.join(", ") : "none"],
        ["Leaf hash", r.leafHash],
        ["Root hash", r.root],
      ]);
    } catch (err) {
      show(out, false, "Not verified", [["Why", err.message]]);
    }
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    run();
  });
  if (new URLSearchParams(location.search).get("event")) {
    run();
  }
}

autosubmit();
verifyForm();
