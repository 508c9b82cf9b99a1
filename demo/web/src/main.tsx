/** Entry point: one session, one client, one toast store, then React. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createChatClient } from './chat-client';
import { PermsocketProvider } from './permsocket';
import { createSession } from './session';
import { ToastContext, createToastStore } from './toast-store';

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
