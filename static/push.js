// Settings, "Notify me on this device" (templates/settings/_push.html): Web Push for this
// browser. Turning it on asks for permission, subscribes through the service worker
// (/sw.js, which shows the notifications) with the server's key, and gives the server the
// subscription; turning it off tells the server to forget it, then unsubscribes. The
// switch shows whether this browser has a subscription. Every outcome is said in
// #push-status (a live region).
(function () {
  "use strict";

  const section = document.getElementById("push");
  if (!section || !section.dataset.publicKey) return;
  const toggle = document.getElementById("push-enabled");
  const testButton = document.getElementById("push-test");
  const status = document.getElementById("push-status");
  const publicKey = section.dataset.publicKey;

  const SUBSCRIBE_URL = "/settings/push";
  const DELETE_URL = "/settings/push/delete";
  const TEST_URL = "/settings/push/test";

  function say(message, kind) {
    status.textContent = message;
    status.dataset.kind = kind || "info";
  }

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function unsupportedMessage() {
    if (!window.isSecureContext) {
      return "Notifications need a secure (https) connection to todo-web.";
    }
    // Safari on an iPhone or iPad has push only for apps added to the Home Screen.
    if (navigator.standalone === false) {
      return "On an iPhone or iPad, add todo-web to your Home Screen first (Share, then " +
        "Add to Home Screen), open it from there and turn this on.";
    }
    return "This browser cannot show push notifications; reminders still come by e-mail.";
  }

  // The key as the bytes PushManager.subscribe wants (it arrives as base64url).
  function keyBytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const raw = atob(padded);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameBytes(buffer, bytes) {
    if (!buffer) return true; // the browser does not say: take it as the same key
    const view = new Uint8Array(buffer);
    return view.length === bytes.length && view.every(function (byte, i) { return byte === bytes[i]; });
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // POST JSON to the server. Resolves on a 2xx answer; otherwise rejects with an Error
  // whose message is for the user (the server's own {"error": "..."} when it gives one).
  async function post(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRFToken": csrfToken(),
        },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new Error("Could not reach the server. Check your connection and try again.");
    }
    // A session that has ended sends the request on to the login page.
    if (response.redirected && new URL(response.url).pathname.startsWith("/auth/login")) {
      throw new Error("You have been logged out. Log in again, then try once more.");
    }
    if (response.ok) return response;
    let message = "";
    try {
      const answer = await response.json();
      if (answer && typeof answer.error === "string") message = answer.error;
    } catch (error) {
      // not JSON: the status says enough
    }
    throw new Error(message || "The server could not do that (" + response.status + ").");
  }

  function showState(subscribed) {
    toggle.checked = subscribed;
    testButton.disabled = !subscribed;
  }

  let registration = null;

  async function currentSubscription() {
    return registration.pushManager.getSubscription();
  }

  // Some browsers never answer a subscription (their push service switched off or out of
  // reach): give up after a while, and drop a subscription that comes in after that, since
  // the server will not have it.
  const SUBSCRIBE_SECONDS = 20;

  function subscribe() {
    const pending = registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(publicKey),
    });
    let timer;
    const late = new Promise(function (resolve, reject) {
      timer = setTimeout(function () {
        pending.then(function (subscription) { subscription.unsubscribe(); }, function () {});
        reject(new Error("the browser's push service did not answer"));
      }, SUBSCRIBE_SECONDS * 1000);
    });
    return Promise.race([pending, late]).finally(function () { clearTimeout(timer); });
  }

  async function turnOn() {
    say("Asking your browser for permission…");
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      showState(false);
      if (permission === "denied") {
        say("Notifications are blocked for todo-web in this browser. Allow them in the " +
          "browser's site settings, then turn this on again.", "error");
      } else {
        say("Notifications were not allowed, so nothing was turned on.", "error");
      }
      return;
    }
    say("Subscribing this browser…");
    let subscription;
    try {
      subscription = await subscribe();
    } catch (error) {
      showState(false);
      say("This browser could not subscribe to push notifications" +
        (error && error.message ? " (" + error.message + ")" : "") + ".", "error");
      return;
    }
    try {
      await post(SUBSCRIBE_URL, subscription.toJSON());
    } catch (error) {
      // The server does not know it, so it would never be used: do not keep it.
      await subscription.unsubscribe().catch(function () {});
      showState(false);
      say("Could not turn notifications on: " + error.message, "error");
      return;
    }
    showState(true);
    say("Notifications are on for this device.", "success");
  }

  async function turnOff() {
    const subscription = await currentSubscription();
    if (!subscription) {
      showState(false);
      say("Notifications are off for this device.", "success");
      return;
    }
    say("Turning notifications off…");
    try {
      await post(DELETE_URL, { endpoint: subscription.endpoint });
    } catch (error) {
      showState(true);
      say("Could not turn notifications off: " + error.message, "error");
      return;
    }
    await subscription.unsubscribe().catch(function () {});
    showState(false);
    say("Notifications are off for this device.", "success");
  }

  async function sendTest() {
    const subscription = await currentSubscription();
    if (!subscription) {
      showState(false);
      say("Turn notifications on first.", "error");
      return;
    }
    say("Sending a test notification…");
    try {
      await post(TEST_URL, { endpoint: subscription.endpoint });
    } catch (error) {
      say("Could not send a test notification: " + error.message, "error");
      return;
    }
    say("Test notification sent: it should show in a few seconds.", "success");
  }

  // One thing at a time: the switch and the button wait while one runs.
  async function busy(work) {
    toggle.disabled = true;
    testButton.disabled = true;
    try {
      await work();
    } catch (error) {
      say("Something went wrong: " + (error && error.message ? error.message : error), "error");
    } finally {
      toggle.disabled = false;
      testButton.disabled = !toggle.checked;
    }
  }

  async function start() {
    if (!supported()) {
      say(unsupportedMessage(), "error");
      return;
    }
    say("Checking this browser…");
    registration = await navigator.serviceWorker.ready;
    let subscription = await currentSubscription();
    const options = subscription && subscription.options;
    if (options && !sameBytes(options.applicationServerKey, keyBytes(publicKey))) {
      // Made with a key the server no longer uses: nothing could reach it.
      await subscription.unsubscribe().catch(function () {});
      subscription = null;
      say("The server's notification key has changed: turn this on again.", "error");
    } else if (subscription && Notification.permission === "granted") {
      say("Notifications are on for this device.");
      // Tell the server again (storing is idempotent): it may have dropped this browser
      // (its push service once answered "gone") or another account may have logged in
      // here since; the subscription then belongs to whoever sees it on.
      post("/settings/push", subscription.toJSON()).catch(function (error) {
        say(error.message, "error");
      });
    } else if (Notification.permission === "denied") {
      say("Notifications are blocked for todo-web in this browser; allow them in the " +
        "browser's site settings to turn this on.");
    } else {
      say("Notifications are off for this device.");
    }
    showState(Boolean(subscription) && Notification.permission === "granted");
    toggle.disabled = false;
    toggle.addEventListener("change", function () {
      busy(toggle.checked ? turnOn : turnOff);
    });
    testButton.addEventListener("click", function () {
      busy(sendTest);
    });
  }

  start().catch(function (error) {
    say("Notifications cannot be set up here: " + (error && error.message ? error.message : error), "error");
  });
})();
