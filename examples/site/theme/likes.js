// The like button of a post: shows the count from GET /likes?page=..., and on a
// click gets a visitor token once (POST /likes/token, kept in localStorage)
// and sends POST /likes with it. Errors from the service are shown in the page.
(function () {
  "use strict";
  const box = document.querySelector(".likes");
  if (!box) return;
  const page = box.dataset.page || location.pathname;
  const button = box.querySelector(".like-button");
  const count = box.querySelector(".like-count");
  const message = box.querySelector(".like-message");
  const TOKEN_KEY = "spindle-likes-token";

  function showCount(n) {
    count.dataset.count = String(n);
    count.textContent = n === 1 ? "1 like" : n + " likes";
  }

  function say(text, kind) {
    message.textContent = text;
    message.className = "like-message" + (kind ? " " + kind : "");
  }

  async function readJson(res) {
    try {
      return await res.json();
    } catch (e) {
      return {};
    }
  }

  async function token(renew) {
    let t = localStorage.getItem(TOKEN_KEY);
    if (t && !renew) return t;
    const res = await fetch("/likes/token", { method: "POST" });
    const data = await readJson(res);
    if (!res.ok || !data.token) {
      throw new Error("could not get a visitor token (" + (data.error || res.status) + ")");
    }
    localStorage.setItem(TOKEN_KEY, data.token);
    return data.token;
  }

  function authHeaders() {
    const t = localStorage.getItem(TOKEN_KEY);
    return t ? { authorization: "Bearer " + t } : {};
  }

  async function load() {
    try {
      const res = await fetch("/likes?page=" + encodeURIComponent(page), {
        headers: authHeaders(),
      });
      const data = await readJson(res);
      if (!res.ok) {
        count.textContent = "";
        button.disabled = true;
        say(data.error || "The likes service answered " + res.status + ".", "error");
        box.dataset.state = "error";
        return;
      }
      showCount(data.likes);
      if (data.liked) box.classList.add("liked");
      box.dataset.state = "ready";
    } catch (e) {
      say("The likes service cannot be reached: " + e.message, "error");
      box.dataset.state = "error";
    }
  }

  function post(t) {
    return fetch("/likes", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer " + t },
      body: JSON.stringify({ page: page }),
    });
  }

  async function like() {
    button.disabled = true;
    box.dataset.state = "busy";
    let keepDisabled = false;
    try {
      let res = await post(await token(false));
      if (res.status === 401) res = await post(await token(true));  // expired or new secret
      const data = await readJson(res);
      if (res.ok) {
        showCount(data.likes);
        box.classList.add("liked");
        say("Thanks for the like!", "ok");
      } else if (res.status === 409) {
        if (typeof data.likes === "number") showCount(data.likes);
        box.classList.add("liked");
        say("You already liked this page; it counts once.", "info");
      } else {
        keepDisabled = res.status === 404;
        say(data.error || "The likes service answered " + res.status + ".", "error");
      }
    } catch (e) {
      say(e.message, "error");
    } finally {
      button.disabled = keepDisabled;
      box.dataset.state = "ready";
    }
  }

  button.addEventListener("click", like);
  load();
})();
