// The Mini App's page: a week of free times in the reader's zone (tap one, confirm, and the
// bot books it; the confirmation or the invoice comes in the chat), and the reader's
// sessions to come (move one to another free time of its therapist, or cancel it, told
// first whether that is free). No build step, no CDN: the launch data come from
// Telegram's WebApp object when its script is there, else from the URL fragment Telegram
// opens the page with (#tgWebAppData=…), else from ?initData= (the sandbox and the tests).
"use strict";

const state = {
  view: "week", start: "", therapist: "", texts: {}, week: null, roles: [],
  moving: null, confirm: null, other: null, busy: false, scheduleStart: "", schedule: null,
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
// A card's «Неделя целиком» opens the week of its therapist.
state.therapist = new URLSearchParams(location.search).get("therapist") || "";
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
  state.other = null;
  $("back").textContent = text("app-cancel");
  $("choice").textContent = question;
  $("book").textContent = yes;
  $("book").className = yesClass;
  $("sheet").hidden = false;
  postEvent("web_app_setup_back_button", { is_visible: true });
}

function closeSheet() {
  state.confirm = null;
  state.other = null;
  state.writingTo = null;
  $("compose").hidden = true;
  $("book").hidden = false;
  $("back").textContent = text("app-cancel");
  $("sheet").hidden = true;
  postEvent("web_app_setup_back_button", { is_visible: false });
}

// The sheet's second button: "back", unless a screen gives it another answer.
async function otherAnswer() {
  const other = state.other;
  if (!other) { closeSheet(); return; }
  if (state.busy) return;
  state.busy = true;
  try {
    await other();
    closeSheet();
  } catch (error) {
    say(text("app-failed"));
  } finally {
    state.busy = false;
  }
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
  $("zone").textContent = `${text("app-zone")}: ${week.zone}`;  // after a therapist's week
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

// -- the therapist's week -------------------------------------------------------------

async function showSchedule() {
  switchTo("schedule");
  const query = new URLSearchParams();
  if (state.scheduleStart) query.set("start", state.scheduleStart);
  try {
    const { status, body } = await api(`therapist/week?${query}`);
    if (status !== 200) { say(body.error); return; }
    state.schedule = body;
    state.scheduleStart = body.start;
    renderSchedule();
  } catch (error) {
    say(text("app-failed"));
  }
}

function renderSchedule() {
  const week = state.schedule;
  const main = $("schedule");
  main.replaceChildren();
  $("range").textContent = `${week.days[0].label} — ${week.days[week.days.length - 1].label}`;
  $("zone").textContent = `${text("app-zone")}: ${week.zone}`;
  for (const day of week.days) {
    const row = element("div", { className: "times" });
    for (const item of week.sessions.filter((each) => each.day === day.date)) {
      row.append(button(`${item.time} ${item.client}`, "time mine", () => sessionCard(item)));
    }
    for (const item of week.meetings.filter((each) => each.day === day.date)) {
      row.append(element("span", { className: "chip", textContent: `👥 ${item.time} ${item.title} (${item.taken}/${item.capacity})` }));
    }
    for (const item of week.free.filter((each) => each.day === day.date)) {
      row.append(element("span", { className: "chip", textContent: `${item.time} · ${text("app-free")}` }));
    }
    const head = element("div", { className: "day-head" }, [element("h2", { textContent: day.label })]);
    if (!day.past && (!day.off || day.single)) {
      const label = day.off ? text("app-lift-day-off") : text("app-make-day-off");
      head.append(button(label, "small", () => {
        ask(`${day.label}: ${label}?`, label, day.off ? "primary" : "danger", async () => {
          const { body } = await api("therapist/dayoff", { day: day.date, off: !day.off });
          say(body.message || body.error);
          await showSchedule();
        });
      }));
    }
    const parts = [head];
    if (day.off) parts.push(element("p", { className: "off", textContent: text("app-day-off") }));
    parts.push(row);
    main.append(element("section", { className: "day" }, parts));
  }
}

// A session's card: a message to the client through the bot, and once it has started,
// held or missed. What the therapist typed stays in the box until it is delivered.
function sessionCard(item) {
  const about = `${item.when} · ${item.client} · ${item.status_text}`;
  closeSheet();
  $("choice").textContent = about;
  $("sheet").hidden = false;
  postEvent("web_app_setup_back_button", { is_visible: true });
  state.writingTo = item.id;
  $("compose").hidden = false;
  $("write-label").textContent = text("app-write");
  $("note").placeholder = text("app-write-placeholder");
  $("send-note").textContent = text("app-write-send");
  if (!item.started || !["confirmed", "completed", "no_show"].includes(item.status)) {
    $("book").hidden = true;
    return;
  }
  const mark = async (status) => {
    const { body } = await api("therapist/outcome", { booking_id: item.id, status });
    say(body.message || body.error);
    await showSchedule();
  };
  $("book").textContent = text("app-completed");
  $("book").className = "primary";
  state.confirm = () => mark("completed");
  $("back").textContent = text("app-no-show");
  state.other = () => mark("no_show");
}

async function sendNote() {
  const note = $("note");
  if (state.busy || !state.writingTo || !note.value.trim()) return;
  state.busy = true;
  $("send-note").disabled = true;
  try {
    const { status, body } = await api("therapist/write", { booking_id: state.writingTo, text: note.value });
    say(body.message || body.error);
    if (status === 200) note.value = "";  // delivered: otherwise the text stays to send again
  } catch (error) {
    say(text("app-failed"));
  } finally {
    state.busy = false;
    $("send-note").disabled = false;
  }
}

function switchTo(view) {
  state.view = view;
  $("week").hidden = view !== "week";
  $("sessions").hidden = view !== "sessions";
  $("schedule").hidden = view !== "schedule";
  document.body.classList.toggle("sessions-view", view === "sessions");
  document.body.classList.toggle("schedule-view", view === "schedule");
  for (const name of ["week", "sessions", "therapist"]) {
    $(`tab-${name}`).classList.toggle("active", view === (name === "therapist" ? "schedule" : name));
  }
  const titles = { week: "app-title", sessions: "app-tab-sessions", schedule: "app-tab-therapist" };
  $("title").textContent = text(titles[view]);
}

async function start() {
  applyTheme(launch.theme);
  postEvent("web_app_ready");
  postEvent("web_app_expand");
  try {
    const { status, body } = await api("me");
    if (status !== 200) { say(body.error); return; }
    state.texts = body.texts;
    state.roles = body.roles;
    document.documentElement.lang = body.language;
    $("zone").textContent = `${text("app-zone")}: ${body.zone}`;
    for (const [id, key] of [["prev", "app-week-prev"], ["next", "app-week-next"], ["back", "app-cancel"],
      ["tab-week", "app-tab-week"], ["tab-sessions", "app-tab-sessions"], ["tab-therapist", "app-tab-therapist"]]) {
      $(id).textContent = text(key);
    }
    const client = state.roles.includes("client");
    $("tab-therapist").hidden = !state.roles.includes("therapist");
    $("tab-week").hidden = !client;
    $("tab-sessions").hidden = !client;
  } catch (error) {
    say(text("app-failed"));
    return;
  }
  $("prev").addEventListener("click", () => {
    if (state.view === "schedule") { state.scheduleStart = state.schedule.previous; showSchedule(); return; }
    state.start = state.week.previous; load();
  });
  $("next").addEventListener("click", () => {
    if (state.view === "schedule") { state.scheduleStart = state.schedule.next; showSchedule(); return; }
    state.start = state.week.next; load();
  });
  $("tab-therapist").addEventListener("click", () => { closeSheet(); showSchedule(); });
  $("send-note").addEventListener("click", sendNote);
  $("therapist").addEventListener("change", (event) => { state.therapist = event.target.value; load(); });
  $("back").addEventListener("click", otherAnswer);
  $("book").addEventListener("click", confirmSheet);
  $("tab-week").addEventListener("click", () => { state.moving = null; switchTo("week"); load(); });
  $("tab-sessions").addEventListener("click", () => { state.moving = null; closeSheet(); showSessions(); });
  window.addEventListener("message", (event) => {
    try {
      if (JSON.parse(event.data).eventType === "back_button_pressed") closeSheet();
    } catch (error) { /* not Telegram's */ }
  });
  if (!state.roles.includes("client")) { await showSchedule(); return; }
  switchTo("week");
  await load();
}

start();
