/** Entry point: one session, one client, one toast store, then React. */
// First: zod must not probe for eval under the page's CSP (see zod-jitless.ts).
import { zodConfig } from './zod-jitless';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createChatClient } from './chat-client';
import { PermsocketProvider } from './permsocket';
import { createSession } from './session';
import { ToastContext, createToastStore } from './toast-store';

if (!zodConfig.jitless) throw new Error('zod must run without eval under the CSP');
const session = createSession();
const client = createChatClient(session);
const toasts = createToastStore();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <PermsocketProvider client={client}>
      <ToastContext.Provider value={toasts}>
        <App session={session} />
      </ToastContext.Provider>
    </PermsocketProvider>
  </StrictMode>,
);
