import React, { createContext, useContext } from 'react';
import type { AppController } from './controller.js';
import type { Action, UiState } from './types.js';

export interface UiActions {
  controller: AppController;
  dispatch: (a: Action) => void;
  /** The newest UI state (already including actions React has not rendered yet). */
  live: () => UiState;
  quit: () => void;
  /** Close this run and start the setup wizard for a new one. */
  newRun: () => void;
}

const StateCtx = createContext<UiState | null>(null);
const ActionsCtx = createContext<UiActions | null>(null);

export function UiProviders({
  state,
  actions,
  children,
}: {
  state: UiState;
  actions: UiActions;
  children: React.ReactNode;
}) {
  return (
    <ActionsCtx.Provider value={actions}>
      <StateCtx.Provider value={state}>{children}</StateCtx.Provider>
    </ActionsCtx.Provider>
  );
}

export function useUiState(): UiState {
  const v = useContext(StateCtx);
  if (!v) throw new Error('useUiState must be used inside <UiProviders>');
  return v;
}

export function useUiActions(): UiActions {
  const v = useContext(ActionsCtx);
  if (!v) throw new Error('useUiActions must be used inside <UiProviders>');
  return v;
}
