// Keeps a failure inside one part of the page: without a boundary, an error thrown while
// rendering (a page's code that could not be fetched, a bug) unmounts the whole app and leaves
// a blank window. The failed part says what went wrong and offers a reload; the sidebar and
// everything else keep working, and moving to another view clears it.
import { Component } from 'react';
import type { ErrorInfo, ReactNode } from 'react';

interface Props {
  /** What failed, in the user's words ("This page", "This dialog"). */
  what: string;
  /** Changing it (a new view) clears the failure. */
  resetKey?: string;
  children: ReactNode;
}

interface State { error: Error | undefined; resetKey: string | undefined }

export class ViewBoundary extends Component<Props, State> {
  override state: State = { error: undefined, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey === state.resetKey ? null : { error: undefined, resetKey: props.resetKey };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`${this.props.what} failed`, error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div role="alert" className="view-failed">
        <p><strong>{this.props.what} could not be shown.</strong> {error.message}</p>
        <button type="button" onClick={() => window.location.reload()}>Reload page</button>
      </div>
    );
  }
}
