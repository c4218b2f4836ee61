/** The branding fields of `PATCH /api/tenant` (`customBranding`). */
export interface Branding {
  name?: string;
  greeting?: string;
  logoUrl?: string;
  primaryColor?: string;
  backgroundColor?: string;
  textColor?: string;
}

/**
 * A `fetch` for the preview `<churn-chat>`: it answers the widget's config with the unsaved
 * branding and refuses everything else, so the preview never talks to the server (and needs
 * no key). Messages typed in the preview get the widget's own error state.
 */
export function previewFetch(branding: () => Branding): typeof globalThis.fetch {
  return async (input) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      location.href,
    );
    if (url.pathname.endsWith('/api/widget/config')) {
      const current = branding();
      return Response.json({
        name: current.name ?? 'Support',
        greeting: current.greeting ?? 'Hi! How can we help?',
        branding: current,
        verified: false,
      });
    }
    return Response.json(
      {
        error: {
          code: 'preview',
          message: 'This is a preview: save the branding and try the widget on your site.',
        },
      },
      { status: 503 },
    );
  };
}
