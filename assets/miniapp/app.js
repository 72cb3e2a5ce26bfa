// The Mini App's page: a week of free times in the reader's zone; tap one, confirm, and the
// bot books it (the confirmation or the invoice comes in the chat). No build step, no CDN:
// the launch data come from Telegram's WebApp object when its script is there, else from
// the URL fragment Telegram opens the page with (#tgWebAppData=…), else from ?initData=
// (the sandbox and the tests).
"use strict";

const state = { start: "", therapist: "", texts: {}, week: null, chosen: null, busy: false };

function launchParams() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  const webApp = window.Telegram && window.Telegram.WebApp;
  return {
    initData: (webApp && webApp.initData) || hash.get("tgWebAppData") || query.get("initData") || "",
    theme: hash.get("tgWebAppThemeParams"),
  };
}

const launch = launchParams();

// Telegram's events without its script: the same messages telegram-web-app.js posts.
function postEvent(type, data) {
  const message = JSON.stringify({ eventType: type, eventData: data || {} });
  if (window.TelegramWebviewProxy) {
    window.TelegramWebviewProxy.postEvent(type, JSON.stringify(data || {}));
  } else if (window.parent !== window) {
    window.parent.postMessage(message, "*");
  }
}

function applyTheme(raw) {
  if (!raw) return;
  try {
    const theme = JSON.parse(raw);
    for (const [key, value] of Object.entries(theme)) {
      document.documentElement.style.setProperty(`--tg-theme-${key.replace(/_/g, "-")}`, value);
    }
  } catch (error) { /* not JSON: the defaults stay */ }
}

async function api(path, options) {
  const response = await fetch(`/app/api/${path}`, {
    ...(options || {}),
    headers: { "Authorization": `tma ${launch.initData}`, "Content-Type": "application/json" },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok && !body.message && !body.error) throw new Error(String(response.status));
  return { status: response.status, body };
}

function text(key) { return state.texts[key] || key; }

function say(message) {
  const box = document.getElementById("message");
  box.textContent = message;
  box.hidden = !message;
}

function element(tag, props, children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children || []) node.append(child);
  return node;
}

function renderWeek() {
  const week = state.week;
  const main = document.getElementById("week");
  main.replaceChildren();
  document.getElementById("range").textContent =
    `${week.days[0].label} — ${week.days[week.days.length - 1].label}`;
  const names = Object.fromEntries(week.therapists.map((item) => [item.id, item]));
  const select = document.getElementById("therapist");
  const current = state.therapist;
  select.replaceChildren(element("option", { value: "", textContent: text("app-all-therapists") }));
  for (const item of week.therapists) {
    select.append(element("option", { value: String(item.id), textContent: item.name }));
  }
  select.value = current;
  for (const day of week.days) {
    const times = week.slots.filter((slot) => slot.day === day.date);
    const row = element("div", { className: "times" });
    for (const slot of times) {
      const button = element("button", { type: "button", className: "time" }, [slot.time]);
      button.dataset.slot = String(slot.id);
      if (!state.therapist && week.therapists.length > 1) {
        button.append(element("small", { textContent: names[slot.therapist].name }));
      }
      button.addEventListener("click", () => choose(slot, names[slot.therapist]));
      row.append(button);
    }
    if (!times.length) row.append(element("p", { className: "empty", textContent: text("app-no-times") }));
    main.append(element("section", { className: "day" }, [element("h2", { textContent: day.label }), row]));
  }
}

function choose(slot, therapist) {
  state.chosen = slot;
  document.getElementById("choice").textContent =
    `${slot.when} · ${therapist.name} · ${therapist.minutes} ${text("app-minutes")} · ${therapist.price} ${text("app-price")}`;
  document.getElementById("sheet").hidden = false;
  postEvent("web_app_setup_back_button", { is_visible: true });
}

function closeSheet() {
  state.chosen = null;
  document.getElementById("sheet").hidden = true;
  postEvent("web_app_setup_back_button", { is_visible: false });
}

async function load() {
  const query = new URLSearchParams();
  if (state.start) query.set("start", state.start);
  if (state.therapist) query.set("therapist", state.therapist);
  try {
    const { status, body } = await api(`week?${query}`);
    if (status !== 200) { say(body.error || body.message); return; }
    state.week = body;
    state.start = body.start;
    renderWeek();
  } catch (error) {
    say(text("app-failed"));
  }
}

async function book() {
  if (!state.chosen || state.busy) return;
  state.busy = true;
  const button = document.getElementById("book");
  button.textContent = text("app-booking");
  try {
    const { body } = await api("book", { method: "POST", body: JSON.stringify({ slot_id: state.chosen.id }) });
    say(body.message || body.error);
    closeSheet();
    await load();
  } catch (error) {
    say(text("app-failed"));  // the choice stays on screen: tap again
  } finally {
    state.busy = false;
    button.textContent = text("app-book");
  }
}

async function start() {
  applyTheme(launch.theme);
  postEvent("web_app_ready");
  postEvent("web_app_expand");
  try {
    const { status, body } = await api("me");
    if (status !== 200) { say(body.error); return; }
    state.texts = body.texts;
    document.documentElement.lang = body.language;
    document.getElementById("title").textContent = text("app-title");
    document.getElementById("zone").textContent = `${text("app-zone")}: ${body.zone}`;
    document.getElementById("prev").textContent = text("app-week-prev");
    document.getElementById("next").textContent = text("app-week-next");
    document.getElementById("back").textContent = text("app-cancel");
    document.getElementById("book").textContent = text("app-book");
  } catch (error) {
    say(text("app-failed"));
    return;
  }
  document.getElementById("prev").addEventListener("click", () => { state.start = state.week.previous; load(); });
  document.getElementById("next").addEventListener("click", () => { state.start = state.week.next; load(); });
  document.getElementById("therapist").addEventListener("change", (event) => { state.therapist = event.target.value; load(); });
  document.getElementById("back").addEventListener("click", closeSheet);
  document.getElementById("book").addEventListener("click", book);
  window.addEventListener("message", (event) => {
    try {
      if (JSON.parse(event.data).eventType === "back_button_pressed") closeSheet();
    } catch (error) { /* not Telegram's */ }
  });
  await load();
}

start();
