import { answerChunks } from '../../test/fake-churn-server.js';
import {
  afterEach,
  assert,
  assertAccessible,
  assertEqual,
  assertIncludes,
  describe,
  it,
  nextEvent,
  waitFor,
} from '../../test/harness.js';
import { cleanUp, mountChurnChat, typeAndSend } from '../../test/mount-churn-chat.js';
import { assertInert, xssCorpus } from '../../test/xss-corpus.js';
import type { ChurnChatError } from '../api/churn-chat-error.js';
import type { ChurnMessageReceiveEvent, ChurnMessageSendEvent } from '../events/churn-events.js';
import { ChurnChat } from './churn-chat.js';

afterEach(cleanUp);

describe('<churn-chat>', () => {
  it('is registered and shows a labelled launcher with the panel closed', async () => {
    const { element, $ } = await mountChurnChat();
    assert(customElements.get('churn-chat') === ChurnChat, 'registered');
    const launcher = $('button.launcher');
    assertEqual(launcher?.getAttribute('aria-label'), 'Open chat');
    assertEqual(launcher?.getAttribute('aria-expanded'), 'false');
    assert($('.panel')?.hidden, 'panel hidden');
    assertEqual(launcher?.getAttribute('part'), 'launcher');
    assertEqual($('[part="base"]')?.classList.contains('base'), true);
    assertEqual(element.isOpen, false);
    await assertAccessible();
  });

  it('opens: event, focus in the composer, branding and greeting from the server', async () => {
    const mounted = await mountChurnChat();
    const { element, $, root } = mounted;
    const opened = nextEvent(element, 'churn-open');
    $('button.launcher')?.click();
    await opened;
    await element.updateComplete;
    assert(element.hasAttribute('open'), 'open attribute reflected');
    assertEqual($('button.launcher')?.getAttribute('aria-expanded'), 'true');
    assertEqual(root.activeElement, $('textarea.input'));
    assertEqual($('.title')?.textContent, 'Acme Support');
    assertIncludes($('.messages')?.textContent, 'Hello from Acme! Ask me anything.');
    assertEqual($('.panel')?.getAttribute('role'), 'dialog');
    const launcherBackground = getComputedStyle(
      $('button.launcher') as HTMLElement,
    ).backgroundColor;
    assertEqual(launcherBackground, 'rgb(15, 118, 110)', 'tenant colour');
    await assertAccessible();
  });

  it('closes with Escape and gives focus back to the launcher', async () => {
    const { element, $, root } = await mountChurnChat();
    element.open();
    await element.updateComplete;
    const closed = nextEvent(element, 'churn-close');
    $('textarea.input')?.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }),
    );
    await closed;
    await element.updateComplete;
    assert(!element.isOpen, 'closed');
    assertEqual(root.activeElement, $('button.launcher'));
    element.toggle();
    await element.updateComplete;
    assert(element.isOpen, 'toggle opens');
    $('button[part="close-button"]')?.click();
    await element.updateComplete;
    assert(!element.isOpen, 'close button closes');
  });

  it('sends, shows typing and stop, streams Markdown with sources and announces the reply', async () => {
    const mounted = await mountChurnChat();
    const { element, server, $, $$ } = mounted;
    server.answers.push({
      chunks: answerChunks('To change your card, open **Billing** and choose *Update card* [1].', {
        sources: [
          { sourceId: 'c1', url: 'https://help.example.com/cards', title: 'Update your card' },
          { sourceId: 'c2', url: 'https://help.example.com/billing' },
        ],
        confidence: { score: 0.9 },
      }),
      holdAfter: 2,
    });
    element.open();
    await element.updateComplete;
    const sent = nextEvent<ChurnMessageSendEvent>(element, 'churn-message-send');
    const received = nextEvent<ChurnMessageReceiveEvent>(element, 'churn-message-receive');
    await typeAndSend(mounted, 'How do I change my card?');
    assertEqual((await sent).detail.message.text, 'How do I change my card?');
    assert((await sent).composed && (await sent).bubbles, 'composed, bubbling');
    await waitFor(() => $('.typing'), 'typing indicator');
    assert($('button[part="stop-button"]'), 'stop button while streaming');
    assertEqual($('.status')?.textContent?.trim(), 'Writing…');
    await assertAccessible();
    server.release();
    const reply = (await received).detail.message;
    assertEqual(reply.text, 'To change your card, open **Billing** and choose *Update card* [1].');
    await element.updateComplete;
    await waitFor(
      () => $('.message.assistant[data-message-id="msg_answer_1"] .bubble strong'),
      'markdown',
    );
    assertEqual($('.bubble strong')?.textContent, 'Billing');
    const links = $$<HTMLAnchorElement>('nav.sources a');
    assertEqual(
      links.map((link) => link.getAttribute('href')),
      ['https://help.example.com/cards', 'https://help.example.com/billing'],
    );
    assertIncludes(links[0]?.textContent, 'Update your card');
    assertIncludes(links[1]?.textContent, 'help.example.com');
    assertEqual(links[0]?.rel, 'noopener noreferrer');
    assertEqual(links[0]?.target, '_blank');
    assertIncludes($('[aria-live="polite"]')?.textContent, 'New reply: To change your card');
    assert($('button[part="send-button"]'), 'send button back');
    await assertAccessible();
  });

  it('stops a streaming answer with the stop button', async () => {
    const mounted = await mountChurnChat();
    const { element, server, $ } = mounted;
    server.answers.push({ chunks: answerChunks('one two three four'), holdAfter: 4 });
    element.open();
    await element.updateComplete;
    await typeAndSend(mounted, 'question');
    await waitFor(() => $('button[part="stop-button"]'), 'stop button');
    await waitFor(
      () => $('.message.assistant:last-of-type .bubble')?.textContent?.includes('one'),
      'partial text',
    );
    $('button[part="stop-button"]')?.click();
    await waitFor(
      () => server.requestsTo('/api/conversations/conv_1/stop').length === 1,
      'stop request',
    );
    await element.updateComplete;
    assertIncludes($('.message.assistant:last-of-type')?.textContent, 'Stopped.');
    assert($('button[part="send-button"]'), 'send again');
  });

  it('offers a person when unsure, hands over and reports churn-escalated', async () => {
    const mounted = await mountChurnChat();
    const { element, server, $ } = mounted;
    server.answers.push({
      chunks: answerChunks("I couldn't find this in the docs.", {
        confidence: { score: 0.1, escalate: true },
        escalation: true,
      }),
    });
    element.open();
    await element.updateComplete;
    await typeAndSend(mounted, 'Can I pay in yen?');
    const prompt = await waitFor(() => $('[part="escalation-prompt"]'), 'escalation prompt');
    assertIncludes(prompt.textContent, 'not completely sure');
    await assertAccessible();
    const escalated = nextEvent<CustomEvent<{ reason: string; conversationId: string }>>(
      element,
      'churn-escalated',
    );
    prompt.querySelector('button')?.click();
    assertEqual((await escalated).detail, { conversationId: 'conv_1', reason: 'low_confidence' });
    await element.updateComplete;
    assertIncludes($('[part="handover"]')?.textContent, 'will take over');
    assertEqual($('[part="escalation-prompt"]'), null);
    await assertAccessible();
  });

  it('takes thumbs and an optional comment', async () => {
    const mounted = await mountChurnChat();
    const { element, server, $, $$ } = mounted;
    element.open();
    await element.updateComplete;
    await typeAndSend(mounted, 'question');
    await waitFor(() => $$('.thumb').length === 2, 'thumbs');
    $$('.thumb')[0]?.click();
    await waitFor(
      () => server.requestsTo('/api/messages/msg_answer_1/feedback').length === 1,
      'thumbs posted',
    );
    assertEqual(server.requestsTo('/api/messages/msg_answer_1/feedback')[0]?.body, {
      type: 'thumbs_up',
    });
    await element.updateComplete;
    assertEqual($$('.thumb')[0]?.getAttribute('aria-pressed'), 'true');
    const comment = await waitFor(
      () => $<HTMLTextAreaElement>('.comment textarea'),
      'comment field',
    );
    await assertAccessible();
    comment.value = 'Clear, thanks';
    $<HTMLFormElement>('form.comment')?.requestSubmit();
    await waitFor(
      () => server.requestsTo('/api/messages/msg_answer_1/feedback').length === 2,
      'comment posted',
    );
    assertEqual(server.requestsTo('/api/messages/msg_answer_1/feedback')[1]?.body, {
      type: 'thumbs_up',
      comment: 'Clear, thanks',
    });
    await waitFor(
      () => $('.feedback')?.textContent?.includes('Thank you for your feedback.'),
      'thanks',
    );
  });

  it('never throws into the page: failures become churn-error and a friendly state', async () => {
    const mounted = await mountChurnChat();
    const { element, server, $ } = mounted;
    element.open();
    await element.updateComplete;
    server.offline = true;
    const failed = nextEvent<CustomEvent<{ error: ChurnChatError; code: string }>>(
      element,
      'churn-error',
    );
    await typeAndSend(mounted, 'anyone there?');
    assertEqual((await failed).detail.code, 'network');
    await element.updateComplete;
    assertIncludes($('.message.user .note')?.textContent, 'Not sent.');
    await assertAccessible();
    server.offline = false;
    $<HTMLButtonElement>('.message.user .link-button')?.click();
    await waitFor(() => $('.message.assistant[data-message-id="msg_answer_1"]'), 'sent on retry');

    const bare = document.createElement('churn-chat');
    document.body.append(bare);
    const error = nextEvent<CustomEvent<{ code: string }>>(bare, 'churn-error');
    await bare.send('no key');
    assertEqual((await error).detail.code, 'configuration');
  });

  it('resumes an interrupted answer when the network comes back', async () => {
    const mounted = await mountChurnChat();
    const { element, server, $ } = mounted;
    server.answers.push({ chunks: answerChunks('Resumed answer text.'), breakAfter: 4 });
    server.resumes.push({ chunks: answerChunks('Resumed answer text.') });
    element.open();
    await element.updateComplete;
    window.dispatchEvent(new Event('offline'));
    await typeAndSend(mounted, 'question');
    await waitFor(() => $('.status')?.textContent?.includes('Offline'), 'offline status');
    await waitFor(
      () => $('.message.assistant .note')?.textContent?.includes('Reconnecting'),
      'interrupted note',
    );
    window.dispatchEvent(new Event('online'));
    await waitFor(
      () =>
        $('[data-message-id="msg_answer_1"] .bubble')?.textContent?.includes(
          'Resumed answer text.',
        ),
      'resumed',
      900,
    );
    assertEqual(server.requestsTo('/api/chat/conv_1/stream').length, 1);
  });

  it('keeps the conversation across a reload (sessionStorage)', async () => {
    const first = await mountChurnChat({ persist: 'session' });
    first.element.open();
    await first.element.updateComplete;
    await typeAndSend(first, 'remember this');
    await waitFor(() => first.$('.message.assistant[data-message-id="msg_answer_1"]'), 'answer');
    first.element.remove();
    const second = await mountChurnChat({ persist: 'session' });
    await waitFor(
      () => second.$('.message.user')?.textContent?.includes('remember this'),
      'restored',
    );
  });

  it('speaks French, German and Spanish, takes string overrides and follows RTL', async () => {
    const expectations: Record<string, string> = {
      fr: 'Ouvrir la discussion',
      de: 'Chat öffnen',
      es: 'Abrir el chat',
    };
    for (const [lang, label] of Object.entries(expectations)) {
      const { $ } = await mountChurnChat({ lang });
      await waitFor(
        () => $('button.launcher')?.getAttribute('aria-label') === label,
        `${lang} label`,
      );
      cleanUp();
    }
    const custom = await mountChurnChat({ lang: 'fr-CA' }, (_server, element) => {
      element.strings = { openChat: 'Besoin d’aide ?' };
    });
    await waitFor(
      () => custom.$('button.launcher')?.getAttribute('aria-label') === 'Besoin d’aide ?',
      'override',
    );
    await waitFor(
      () => custom.$('textarea')?.getAttribute('placeholder') === 'Écrivez un message…',
      'fr-CA → fr',
    );
    cleanUp();
    const rtl = await mountChurnChat({ lang: 'ar' });
    assertEqual(rtl.$('.base')?.getAttribute('dir'), 'rtl');
    rtl.element.open();
    await rtl.element.updateComplete;
    const launcher = rtl.$('button.launcher')?.getBoundingClientRect();
    assert(launcher && launcher.left < window.innerWidth / 2, 'launcher on the left in RTL');
    await assertAccessible();
  });

  it('lets the page theme it with --churn-* properties over the tenant branding', async () => {
    const style = document.createElement('style');
    style.textContent =
      'churn-chat { --churn-color-primary: #7c2d12; } button { background: red !important; font-size: 40px !important; }';
    document.head.append(style);
    try {
      const { $ } = await mountChurnChat();
      const launcher = $('button.launcher') as HTMLElement;
      assertEqual(
        getComputedStyle(launcher).backgroundColor,
        'rgb(124, 45, 18)',
        'page variable wins',
      );
      assert(getComputedStyle(launcher).fontSize !== '40px', 'page CSS does not leak in');
    } finally {
      style.remove();
    }
  });

  it('picks readable text for a light tenant colour', async () => {
    const { element, $ } = await mountChurnChat({}, (server) => {
      server.config = { name: 'Sunny', greeting: 'Hi', branding: { primaryColor: '#fde047' } };
    });
    element.open();
    await element.updateComplete;
    assertEqual(getComputedStyle($('.header') as HTMLElement).color, 'rgb(17, 24, 39)');
    await assertAccessible();
  });

  it('runs no script from messages, citations or branding (XSS corpus)', async () => {
    const evil = 'javascript:window.__xss=99';
    const mounted = await mountChurnChat({}, (server) => {
      server.config = {
        name: '<img src=x onerror="window.__xss=1">',
        greeting: '<script>window.__xss=2</script>',
        branding: { logoUrl: evil, primaryColor: 'red;} :host{display:none' },
      };
    });
    const { element, server, root, $ } = mounted;
    server.answers.push({
      chunks: answerChunks(xssCorpus.join('\n\n'), {
        sources: [
          { sourceId: 's1', url: evil, title: '<img src=x onerror="window.__xss=3">' },
          { sourceId: 's2', url: 'data:text/html,<script>window.__xss=4</script>', title: 'data' },
          {
            sourceId: 's3',
            url: 'https://help.example.com/ok',
            title: '"><svg onload=window.__xss=5>',
          },
        ],
      }),
    });
    element.open();
    await element.updateComplete;
    const received = nextEvent(element, 'churn-message-receive', 8000);
    await typeAndSend(mounted, '<img src=x onerror="window.__xss=6">');
    await received;
    await waitFor(
      () => $('.message.assistant[data-message-id="msg_answer_1"] .bubble p'),
      'markdown answer',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    assertInert(root, 'widget', { widget: true });
    assert(
      [...root.querySelectorAll('form')].every((form) => !form.hasAttribute('action')),
      'no form action',
    );
    assertEqual($('img.logo'), null);
    assertEqual(root.querySelectorAll('nav.sources a').length, 1);
    assertIncludes($('.title')?.textContent, '<img src=x');
  });

  it('declares its events in GlobalEventHandlersEventMap', async () => {
    const { element } = await mountChurnChat();
    let opened = false;
    element.addEventListener('churn-open', (event) => {
      const detail: Record<string, never> = event.detail;
      opened = detail !== undefined;
    });
    element.open();
    await element.updateComplete;
    assert(opened, 'typed listener ran');
  });
});
