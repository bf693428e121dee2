// Catches what a lazily loaded part throws while loading or drawing (a chunk that failed to
// download after a deploy, a chart that could not start) so the rest of the page stays usable.
import { Component, type ReactNode } from "react";

interface State {
  error: Error | null;
}

export class LoadBoundary extends Component<{ what: string; children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override render() {
    if (this.state.error) {
      return (
        <p role="alert" className="error">
          Could not show the {this.props.what} ({this.state.error.message}). Reload the page to try again.
        </p>
      );
    }
    return this.props.children;
  }
}
