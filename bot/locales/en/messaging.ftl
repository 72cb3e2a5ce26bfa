messaging-write-therapist = ✉️ Write to my therapist
messaging-reply = ↩️ Reply
messaging-done = ✅ Done

messaging-prompt-client =
    ✉️ <b>Message to your therapist: { $name }</b>
    Write a text or send a photo, document or voice message: I will pass on everything you send and tell you whether it arrived.
    Finished? Tap “Done” or send /done.
    I do not keep the texts of messages, I only pass them on.
messaging-prompt-not-linked = ⚠️ { $name } has not connected their chat with the bot yet, so messages cannot be delivered right now.
messaging-prompt-therapist =
    ✉️ <b>Message to your client: { $name }</b>
    Everything you send now (text, photo, document, voice) I will pass on in your name.
    Finished? Tap “Done” or send /done.

messaging-delivered = ✓ Delivered.
messaging-not-linked = ✗ Not delivered: { $name } has not connected their chat with the bot yet. The message was not kept: write later or bring it up in your session.
messaging-therapist-blocked = ✗ Not delivered: { $name } is not receiving messages from the bot right now. The message was not kept: write later or bring it up in your session.
messaging-client-blocked = ✗ Not delivered: { $name } has stopped the bot. The message was not kept.
messaging-failed = ✗ Not delivered: Telegram did not accept the message. It was not kept: please try again in a minute.
messaging-client-gone = This client has erased their data from the bot: they can no longer be reached.
messaging-unsupported = I cannot pass on this kind of message. Send a text, photo, document or voice message.

messaging-not-your-therapist = You can only write to a therapist you have or had a booking with.
messaging-not-your-client = You can only write to your own clients: people who booked a session with you.
messaging-therapists-only = This button is for therapists.

messaging-closed = Done, I am not passing anything on now. To write again: /my → “Write to my therapist”, or reply to your therapist's message.
messaging-closed-therapist = Done, I am not passing anything on now. To write to a client again, reply to their message or tap “Reply” under it.
messaging-reply-hint = This message is not part of a conversation with a client, so there is nobody to pass your reply to. To answer a client, reply to their message or tap “Reply” under it; your clients: /clients.

messaging-header-next = ✉️ <b>{ $client }</b> · next session: { $when }
messaging-header-last = ✉️ <b>{ $client }</b> · last session: { $when }
messaging-urgent-marker = 🚨 <b>URGENT</b>: the message contains words about a risk to life. The client has already been sent emergency contacts.
messaging-client-unnamed = Client
messaging-from-therapist = 💬 <b>Your therapist { $name }</b>:

# Phrases that mark a client's message urgent, comma-separated, case does not matter.
# A trailing * makes a stem: it also matches longer words (“suicid*”: “suicidal”).
messaging-urgent-words = suicid*, kill myself, killing myself, want to die, wanna die, wish i was dead, wish i were dead, end my life, ending my life, take my own life, don't want to live, do not want to live, no reason to live, self-harm*, self harm*, self-injur*, hurt myself, hurting myself, cut myself, cutting myself
