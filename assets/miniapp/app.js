// The Mini App's page: a week of free times in the reader's zone (tap one, confirm, and the
// bot books it; the confirmation or the invoice comes in the chat), and the reader's
// sessions to come (move one to another free time of its therapist, or cancel it, told
// first whether that is free). No build step, no CDN: the launch data come from
// Telegram's WebApp object when its script is there, else from the URL fragment Telegram
// opens the page with (#tgWebAppData=…), else from ?initData= (the sandbox and the tests).
"use strict";

const state = {
  view: "week", start: "", therapist: "", texts: {}, week: null,
  chosen: null, moving: null, confirm: null, busy: false,
};

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
const $ = (id) => document.getElementById(id);

// Telegram's events without its script: the same messages telegram-web-app.js posts.
function postEvent(type, data) {
  if (window.TelegramWebviewProxy) {
    window.TelegramWebviewProxy.postEvent(type, JSON.stringify(data || {}));
  } else if (window.parent !== window) {
    window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data || {} }), "*");
  }
}

function applyTheme(raw) {
  if (!raw) return;
  try {
    for (const [key, value] of Object.entries(JSON.parse(raw))) {
      document.documentElement.style.setProperty(`--tg-theme-${key.replace(/_/g, "-")}`, value);
    }
  } catch (error) { /* not JSON: the defaults stay */ }
}

async function api(path, body) {
  const options = { headers: { "Authorization": `tma ${launch.initData}`, "Content-Type": "application/json" } };
  if (body !== undefined) { options.method = "POST"; options.body = JSON.stringify(body); }
  const response = await fetch(`/app/api/${path}`, options);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok && !answer.message && !answer.error) throw new Error(String(response.status));
  return { status: response.status, body: answer };
}

const text = (key) => state.texts[key] || key;

function say(message) {
  $("message").textContent = message || "";
  $("message").hidden = !message;
}

function element(tag, props, children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children || []) node.append(child);
  return node;
}

function button(label, className, onClick) {
  const node = element("button", { type: "button", className, textContent: label });
  node.addEventListener("click", onClick);
  return node;
}

// -- the sheet: one question, two answers ---------------------------------------------

function ask(question, yes, yesClass, onYes) {
  state.confirm = onYes;
  $("choice").textContent = question;
  $("book").textContent = yes;
  $("book").className = yesClass;
  $("sheet").hidden = false;
  postEvent("web_app_setup_back_button", { is_visible: true });
}

function closeSheet() {
  state.confirm = null;
  $("sheet").hidden = true;
  postEvent("web_app_setup_back_button", { is_visible: false });
}

async function confirmSheet() {
  if (!state.confirm || state.busy) return;
  state.busy = true;
  const label = $("book").textContent;
  $("book").textContent = text("app-booking");
  try {
    await state.confirm();
    closeSheet();
  } catch (error) {
    say(text("app-failed"));  // the question stays on screen: tap again
  } finally {
    state.busy = false;
    $("book").textContent = label;
  }
}

// -- the week -------------------------------------------------------------------------

function renderWeek() {
  const week = state.week;
  const main = $("week");
  main.replaceChildren();
  $("range").textContent = `${week.days[0].label} — ${week.days[week.days.length - 1].label}`;
  const names = Object.fromEntries(week.therapists.map((item) => [item.id, item]));
  const select = $("therapist");
  select.hidden = Boolean(state.moving);
  select.replaceChildren(element("option", { value: "", textContent: text("app-all-therapists") }));
  for (const item of week.therapists) {
    select.append(element("option", { value: String(item.id), textContent: item.name }));
  }
  select.value = state.therapist;
  $("moving").hidden = !state.moving;
  if (state.moving) {
    $("moving").replaceChildren(
      `${text("app-moving")}: ${state.moving.when} `,
      button(text("app-keep"), "secondary", () => { state.moving = null; state.start = ""; load(); }),
    );
  }
  for (const day of week.days) {
    const times = week.slots.filter((slot) => slot.day === day.date);
    const row = element("div", { className: "times" });
    for (const slot of times) {
      const chip = button(slot.time, "time", () => choose(slot, names[slot.therapist]));
      chip.dataset.slot = String(slot.id);
      if (!state.therapist && !state.moving && week.therapists.length > 1) {
        chip.append(element("small", { textContent: names[slot.therapist].name }));
      }
      row.append(chip);
    }
    if (!times.length) row.append(element("p", { className: "empty", textContent: text("app-no-times") }));
    main.append(element("section", { className: "day" }, [element("h2", { textContent: day.label }), row]));
  }
}

function choose(slot, therapist) {
  const about = `${slot.when} · ${therapist.name} · ${therapist.minutes} ${text("app-minutes")} · ${therapist.price} ${text("app-price")}`;
  if (state.moving) {
    const moving = state.moving;
    ask(`${text("app-move-to")} ${slot.when}?`, text("app-move"), "primary", async () => {
      const { body } = await api("move", { booking_id: moving.id, slot_id: slot.id, moves: moving.moves });
      say(body.message || body.error);
      if (body.status === "moved") { state.moving = null; state.start = ""; await showSessions(); } else { await load(); }
    });
    return;
  }
  ask(about, text("app-book"), "primary", async () => {
    const { body } = await api("book", { slot_id: slot.id });
    say(body.message || body.error);
    await load();
  });
}

async function load() {
  const query = new URLSearchParams();
  if (state.start) query.set("start", state.start);
  if (state.therapist && !state.moving) query.set("therapist", state.therapist);
  if (state.moving) query.set("booking", String(state.moving.id));
  try {
    const { status, body } = await api(`${state.moving ? "move" : "week"}?${query}`);
    if (status !== 200) { say(body.error || body.message); return; }
    state.week = body;
    state.start = body.start;
    renderWeek();
  } catch (error) {
    say(text("app-failed"));
  }
}

// -- the sessions ---------------------------------------------------------------------

async function showSessions() {
  switchTo("sessions");
  const main = $("sessions");
  try {
    const { status, body } = await api("sessions");
    if (status !== 200) { say(body.error); return; }
    main.replaceChildren();
    if (!body.sessions.length) main.append(element("p", { className: "empty", textContent: text("app-no-sessions") }));
    for (const item of body.sessions) {
      const title = item.group ? `👥 ${item.group} — ${item.name}` : item.name;
      const actions = element("div", { className: "row" });
      if (item.movable) {
        actions.append(button(text("app-move"), "secondary", () => {
          state.moving = item;
          state.start = "";
          switchTo("week");
          load();
        }));
      }
      if (item.cancel) {
        actions.append(button(text("app-cancel-session"), "danger", () => {
          ask(item.cancel, text("app-cancel-session"), "danger", async () => {
            const { body: answer } = await api("cancel", { booking_id: item.id });
            say(answer.message || answer.error);
            await showSessions();
          });
        }));
      }
      main.append(element("section", { className: "session" }, [
        element("p", {}, [element("b", { textContent: item.when })]),
        element("p", { textContent: `${title} · ${item.status}` }),
        actions,
      ]));
    }
  } catch (error) {
    say(text("app-failed"));
  }
}

function switchTo(view) {
  state.view = view;
  $("week").hidden = view !== "week";
  $("sessions").hidden = view !== "sessions";
  document.body.classList.toggle("sessions-view", view === "sessions");
  $("tab-week").classList.toggle("active", view === "week");
  $("tab-sessions").classList.toggle("active", view === "sessions");
  $("title").textContent = text(view === "week" ? "app-title" : "app-tab-sessions");
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
    $("zone").textContent = `${text("app-zone")}: ${body.zone}`;
    for (const [id, key] of [["prev", "app-week-prev"], ["next", "app-week-next"], ["back", "app-cancel"],
      ["tab-week", "app-tab-week"], ["tab-sessions", "app-tab-sessions"]]) {
      $(id).textContent = text(key);
    }
  } catch (error) {
    say(text("app-failed"));
    return;
  }
  $("prev").addEventListener("click", () => { state.start = state.week.previous; load(); });
  $("next").addEventListener("click", () => { state.start = state.week.next; load(); });
  $("therapist").addEventListener("change", (event) => { state.therapist = event.target.value; load(); });
  $("back").addEventListener("click", closeSheet);
  $("book").addEventListener("click", confirmSheet);
  $("tab-week").addEventListener("click", () => { state.moving = null; switchTo("week"); load(); });
  $("tab-sessions").addEventListener("click", () => { state.moving = null; closeSheet(); showSessions(); });
  window.addEventListener("message", (event) => {
    try {
      if (JSON.parse(event.data).eventType === "back_button_pressed") closeSheet();
    } catch (error) { /* not Telegram's */ }
  });
  switchTo("week");
  await load();
}

start();
