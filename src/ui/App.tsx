import { Box, useApp, useStdin, type Key } from 'ink';
import { KeyHubProvider } from './components/useKeys.js';
import React, { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import { CellView } from './cell/Cell.js';
import { Footer, Header } from './components/Frame.js';
import { useTermSize } from './components/useTermSize.js';
import { DatasetView } from './dataset/Dataset.js';
import { HelpOverlay, HINTS, READ_ONLY_HINTS } from './help/Help.js';
import { MessagesView } from './messages/Messages.js';
import { InspectorView } from './inspector/Inspector.js';
import { Notebook } from './notebook/Notebook.js';
import { ProgressView } from './progress/Progress.js';
import { ReviewView } from './review/Review.js';
import type { AppController } from './state/controller.js';
import { UiProviders, type UiActions } from './state/context.js';
import { initialState, reducer } from './state/reducer.js';
import { SCREENS, type Action, type Screen, type UiState } from './state/types.js';

export interface AppProps {
  controller: AppController;
  /** Called on the second Ctrl-C while a step is still stopping. */
  onForceExit: () => void;
  /** Called after a clean quit (position saved). */
  onQuit?: () => void;
  /** Called after the app closed because the user asked for a new run (the launcher opens the wizard). */
  onNewRun?: () => void;
  /** Start state for tests (the saved position is used otherwise). */
  initial?: Partial<UiState>;
}

export function App({ controller, onForceExit, onQuit, onNewRun, initial }: AppProps) {
  const saved = controller.savedPosition();
  // The progress screen only has something to show after a stopped step; otherwise reopen on the notebook.
  const stopped = Object.values(controller.run.state.steps).some(
    (s) => s.status === 'interrupted' || s.status === 'running' || s.status === 'failed',
  );
  const restore = saved.screen === 'progress' && !stopped ? 'notebook' : saved.screen;
  const [state, reactDispatch] = useReducer(reducer, undefined, () => {
    const base = initialState({
      screen: restore && SCREENS.includes(restore) ? restore : 'notebook',
      selected: Math.max(
        0,
        controller.steps.findIndex((s) => s.id === saved.selectedStep),
      ),
      inspectorStudy: saved.inspectorStudy ?? null,
    });
    return { ...base, ...initial };
  });
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useTermSize();
  // The same reducer applied synchronously: key handlers read the newest state
  // even when a second key arrives before React commits the first.
  const stateRef = useRef(state);
  const dispatch = useCallback((a: Action) => {
    stateRef.current = reducer(stateRef.current, a);
    reactDispatch(a);
  }, []);

  useEffect(() => {
    controller.attach(dispatch);
    void controller.init();
    return () => controller.dispose();
  }, [controller, dispatch]);

  const selectedStep = state.rows[state.selected]?.id ?? null;
  useEffect(() => {
    // Not before the run is read: the start state would overwrite the saved position.
    if (!state.loaded) return;
    controller.saveUi({ screen: state.screen, selectedStep, inspectorStudy: state.inspectorStudy });
  }, [controller, state.loaded, state.screen, selectedStep, state.inspectorStudy]);

  const close = useCallback(
    (then?: () => void) => {
      const s = stateRef.current;
      void controller
        .writeUi({ screen: s.screen, selectedStep: s.rows[s.selected]?.id ?? null, inspectorStudy: s.inspectorStudy })
        .finally(() => {
          controller.dispose();
          // Before exit: the launcher reads what `then` records once the app has exited.
          then?.();
          exit();
        });
    },
    [controller, exit],
  );
  const actions: UiActions = useMemo(
    () => ({
      controller,
      dispatch,
      live: () => stateRef.current,
      quit: () => close(onQuit),
      newRun: onNewRun
        ? () => close(onNewRun)
        : () => dispatch({ type: 'message', level: 'warn', text: 'a new run is started with `cxrvqa new`' }),
    }),
    [controller, dispatch, close, onQuit, onNewRun],
  );

  const onGlobalKey = (input: string, key: Key) => {
    if (key.ctrl && input === 'c') {
      if (controller.running) {
        if (stateRef.current.stopping) onForceExit();
        else {
          controller.stop();
          dispatch({
            type: 'message',
            level: 'warn',
            text: 'stopping: in-flight work is recorded… (Ctrl-C again forces exit)',
          });
        }
      } else actions.quit();
      return;
    }
    const live = stateRef.current;
    if (live.typing) return;
    if (input === '?') dispatch({ type: 'help' });
    else if (live.help && key.escape) dispatch({ type: 'help', open: false });
    else if (input === 'm' && !live.help && live.screen !== 'messages')
      dispatch({ type: 'navigate', screen: 'messages' });
    else if (input === 'q' && !live.help) {
      if (controller.running)
        dispatch({ type: 'message', level: 'warn', text: 'a step is running: s stops it (Ctrl-C twice forces exit)' });
      else actions.quit();
    }
  };

  // One spare row: ink repaints the whole screen (flicker) when the output is as tall as the terminal.
  const bodyHeight = Math.max(4, rows - 3 - (state.message ? 1 : 0));
  const active = isRawModeSupported && !state.help;
  const props = { height: bodyHeight, columns, active };
  return (
    <UiProviders state={state} actions={actions}>
      <KeyHubProvider onKey={onGlobalKey}>
        <Box flexDirection="column" width={columns}>
          <Header runDir={controller.run.dir} columns={columns} readOnly={controller.run.readOnly} />
          <Box height={bodyHeight} flexDirection="column" overflow="hidden">
            {state.help ? (
              <HelpOverlay screen={state.screen} columns={columns} />
            ) : (
              <ScreenBody screen={state.screen} {...props} />
            )}
          </Box>
          <Footer
            hints={(controller.run.readOnly ? READ_ONLY_HINTS[state.screen] : undefined) ?? HINTS[state.screen]}
            columns={columns}
          />
        </Box>
      </KeyHubProvider>
    </UiProviders>
  );
}

export interface ScreenProps {
  height: number;
  columns: number;
  /** Whether this screen has the keyboard (false under the help overlay or without a raw TTY). */
  active: boolean;
}

function ScreenBody({ screen, ...props }: ScreenProps & { screen: Screen }) {
  switch (screen) {
    case 'notebook':
      return <Notebook {...props} />;
    case 'cell':
      return <CellView {...props} />;
    case 'progress':
      return <ProgressView {...props} />;
    case 'inspector':
      return <InspectorView {...props} />;
    case 'review':
      return <ReviewView {...props} />;
    case 'dataset':
      return <DatasetView {...props} />;
    case 'messages':
      return <MessagesView {...props} />;
    default: {
      const never: never = screen;
      throw new Error(`unknown screen ${String(never)}`);
    }
  }
}
