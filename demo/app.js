// A dapp using window.xmtp, the XMTP Inbox extension's provider: connect, list conversations, read, send and
// receive live messages. Plain JavaScript, no build step: copy what you need.
const $ = (id) => document.getElementById(id);
let xmtp;
let me;
let current; // the open conversation's topic

// 1. Find the provider. The extension defines window.xmtp, and also announces itself EIP-6963-style, which
//    works even when this script runs before the extension's (answer `xmtp:requestProvider`).
function findXmtp(timeoutMs = 3000) {
  return new Promise((resolve) => {
    if (window.xmtp?.isXmtpInbox) return resolve(window.xmtp);
    const onAnnounce = (event) => {
      if (event.detail?.info?.rdns !== 'org.xmtp-inbox') return;
      window.removeEventListener('xmtp:announceProvider', onAnnounce);
      resolve(event.detail.provider);
    };
    window.addEventListener('xmtp:announceProvider', onAnnounce);
    window.dispatchEvent(new Event('xmtp:requestProvider'));
    setTimeout(() => resolve(undefined), timeoutMs);
  });
}

// Errors are EIP-1193 style: `code` 4001 rejected, 4100 not allowed, 4900 locked / no identity, -32602 bad params.
function showError(error) {
  $('error').textContent = error ? `${error.message} (code ${error.code})` : '';
  if (error?.code === 4900 && /no identity/.test(error.message)) $('link-button').hidden = false;
}

const call = (method, params) => xmtp.request(params === undefined ? { method } : { method, params });

// 2. Ask for access. The extension opens its approval window; the promise settles when the user answers.
async function connect() {
  showError();
  const prefix = $('prefix').value.trim();
  try {
    await call('xmtp_requestAccess', {
      capabilities: ['inbox:read', 'inbox:send'],
      ...(prefix ? { conversationIdPrefix: prefix } : {}),
    });
    await start();
  } catch (error) {
    showError(error);
  }
}

// No identity yet? The user can create one with the wallet on this page (the extension asks to confirm).
async function linkWallet() {
  showError();
  try {
    await call('xmtp_linkWallet');
    $('link-button').hidden = true;
    await connect();
  } catch (error) {
    showError(error);
  }
}

// 3. Read: who am I, which conversations, and subscribe to live events.
async function start() {
  me = await call('xmtp_address');
  $('address').textContent = me;
  $('connect').hidden = true;
  $('inbox').hidden = false;
  $('status').textContent = 'Connected.';
  renderConversations(await call('xmtp_listConversations'));
  await call('xmtp_subscribe', { events: ['message', 'conversation'] });
}

function renderConversations(conversations) {
  $('conversations').replaceChildren();
  conversations.forEach(addConversation);
}

function addConversation(conversation) {
  const item = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.dataset.topic = conversation.topic;
  button.textContent = conversation.conversationId
    ? `${conversation.peerAddress.slice(0, 8)}… · ${conversation.conversationId}`
    : conversation.peerAddress;
  button.addEventListener('click', () => open(conversation));
  item.append(button);
  $('conversations').append(item);
}

async function open(conversation) {
  current = conversation.topic;
  for (const b of $('conversations').querySelectorAll('button')) {
    b.setAttribute('aria-current', String(b.dataset.topic === current));
  }
  $('thread-title').textContent = conversation.conversationId ?? conversation.peerAddress;
  $('messages').replaceChildren();
  $('composer').hidden = false;
  try {
    (await call('xmtp_getMessages', { topic: current, limit: 50 })).forEach(addMessage);
  } catch (error) {
    showError(error);
  }
}

function addMessage(message) {
  if (message.topic !== current || document.querySelector(`[data-id="${CSS.escape(message.id)}"]`)) return;
  const item = document.createElement('li');
  item.dataset.id = message.id;
  item.className = message.senderAddress.toLowerCase() === me.toLowerCase() ? 'mine' : 'theirs';
  item.textContent =
    typeof message.content === 'string' ? message.content : (message.fallback ?? message.contentType);
  $('messages').append(item);
}

// 4. Send. The result is the sent message (status 'sent'); failures reject with a code.
async function send(event) {
  event.preventDefault();
  showError();
  try {
    addMessage(await call('xmtp_sendMessage', { topic: current, content: $('text').value }));
    $('text').value = '';
  } catch (error) {
    showError(error);
  }
}

async function newConversation(event) {
  event.preventDefault();
  showError();
  const conversationId = $('conversation-id').value.trim();
  try {
    const conversation = await call('xmtp_newConversation', {
      peerAddress: $('peer').value.trim(),
      ...(conversationId ? { conversationId } : {}),
    });
    if (!document.querySelector(`[data-topic="${CSS.escape(conversation.topic)}"]`))
      addConversation(conversation);
    await open(conversation);
  } catch (error) {
    showError(error);
  }
}

// 5. Live events, only for conversations this site may see.
function listen() {
  xmtp.on('message', addMessage);
  xmtp.on('conversation', (conversation) => {
    if (!document.querySelector(`[data-topic="${CSS.escape(conversation.topic)}"]`))
      addConversation(conversation);
  });
  // Revoked in the extension's settings: back to the start.
  xmtp.on('permissionsChanged', (grants) => {
    if (grants.length) return;
    $('inbox').hidden = true;
    $('connect').hidden = false;
    $('status').textContent = 'Access was revoked in XMTP Inbox.';
  });
}

xmtp = await findXmtp();
if (!xmtp) {
  $('status').textContent = 'XMTP Inbox is not installed: load .output/chrome-mv3 as an unpacked extension.';
  $('connect').hidden = true;
} else {
  $('status').textContent = 'XMTP Inbox found.';
  listen();
  $('connect-button').addEventListener('click', connect);
  $('link-button').addEventListener('click', linkWallet);
  $('composer').addEventListener('submit', send);
  $('new-conversation').addEventListener('submit', newConversation);
  // Already allowed earlier? Pick up where we were without a prompt.
  const permissions = await call('xmtp_getPermissions');
  if (permissions.length) await start().catch(showError);
}
