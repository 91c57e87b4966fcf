// Keeps one piece of the popup that throws while rendering (a message from a peer we could not foresee, say)
// from taking the rest down: its place shows a short note instead, and the error goes to the console.
import { Component, type ComponentChildren } from 'preact';

interface Props {
  /** What shows in place of the children once they have thrown. */
  fallback: ComponentChildren;
  /** Where the boundary sits, for the console message. */
  label?: string;
  children?: ComponentChildren;
}

interface State {
  failed: boolean;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  override componentDidCatch(error: unknown) {
    console.error(`could not render ${this.props.label ?? 'part of the popup'}:`, error);
    // getDerivedStateFromError already switched to the fallback; this also covers a Preact that calls only
    // componentDidCatch.
    if (!this.state.failed) this.setState({ failed: true });
  }

  render() {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}
