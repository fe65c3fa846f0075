import { Text } from 'ink';
import React, { useReducer, useRef } from 'react';
import { useKeys } from './useKeys.js';

/**
 * A one-line text field. The text lives in a ref, so keys that arrive faster
 * than React re-renders (pasted or sent by tmux) all land.
 */
export function LineInput({
  initial = '',
  onSubmit,
  onChange,
  focus,
  placeholder,
}: {
  initial?: string;
  onSubmit: (text: string) => void;
  onChange?: (text: string) => void;
  focus: boolean;
  placeholder?: string;
}) {
  const text = useRef(initial);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useKeys(
    (input, key) => {
      if (key.return) return onSubmit(text.current);
      if (
        key.escape ||
        key.tab ||
        key.upArrow ||
        key.downArrow ||
        key.leftArrow ||
        key.rightArrow ||
        key.ctrl ||
        key.meta
      )
        return;
      if (key.backspace || key.delete) text.current = text.current.slice(0, -1);
      else if (input) text.current += input.replace(/[\r\n]/g, '');
      else return;
      onChange?.(text.current);
      rerender();
    },
    { isActive: focus, text: true },
  );
  return (
    <Text>
      {text.current === '' && placeholder ? <Text dimColor>{placeholder}</Text> : text.current}
      {focus ? <Text color="cyan">▌</Text> : null}
    </Text>
  );
}
