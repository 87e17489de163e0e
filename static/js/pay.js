// The pay page: Stripe.js collects the card (it never reaches our server), we confirm on the
// server, and Stripe.js runs 3-D Secure when the bank asks for it.
(function () {
  "use strict";
  var form = document.getElementById("pay-form");
  if (!form || !window.Stripe) return;
  var stripe = window.Stripe(form.dataset.key);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var button = document.getElementById("pay-button");
  var errorBox = document.getElementById("pay-error");

  function fail(message) {
    errorBox.textContent = message || "The payment didn't go through. Try again, or use another card.";
    button.disabled = false;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    errorBox.textContent = "";
    var made = await stripe.createToken(card);
    if (made.error) return fail(made.error.message);
    var body = new URLSearchParams({ token: made.token.id });
    var response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value },
        credentials: "same-origin",
      });
    } catch (e) {
      return fail("Network trouble: nothing was charged. Try again.");
    }
    var outcome = await response.json().catch(function () { return {}; });
    if (outcome.status === "succeeded" || outcome.status === "processing") {
      window.location = form.dataset.done;
    } else if (outcome.status === "requires_action") {
      var result = await stripe.confirmCardPayment(outcome.client_secret);
      if (result.error) return fail(result.error.message || "Authentication failed.");
      var intent = result.paymentIntent || {};
      if (intent.status === "requires_payment_method") {
        // The bank's check failed (Stripe.js reports it as an intent back to needing a card).
        return fail("Your bank's security check (3-D Secure) wasn't completed, so nothing was charged. " +
                    "Try again, or use another card.");
      }
      window.location = form.dataset.done;
    } else {
      fail(outcome.message);
    }
  });
})();
