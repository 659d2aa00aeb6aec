import { html } from 'htm/preact';
import { page } from './layout.ts';

/**
 * Sign-in: a Kubernetes bearer token pasted into a form (POSTed, never in a URL), and the
 * platform's IdP when one is configured.
 */
export function signInPage(o: { loginCsrf: string; oidc: boolean; error?: string | undefined }): string {
  return page(
    'Sign in',
    undefined,
    html`<section class="panel signin" aria-labelledby="signin">
      <h1 id="signin">Sign in to Switchboard</h1>
      ${o.error && html`<p class="error" role="alert">${o.error}</p>`}
      ${
        o.oidc &&
        html`<p><a class="button" href="/login/oidc">Sign in with your identity provider</a></p>
          <p class="or">or</p>`
      }
      <form method="post" action="/login">
        <label for="token">Kubernetes bearer token</label>
        <textarea id="token" name="token" rows="4" autocomplete="off" spellcheck="false" required></textarea>
        <p class="hint">For example from <code>kubectl create token</code>. It is checked with a TokenReview and not kept.</p>
        <input type="hidden" name="csrf" value=${o.loginCsrf} />
        <button type="submit">Sign in</button>
      </form>
    </section>`,
  );
}

export function errorPage(
  status: number,
  title: string,
  message: string,
  viewer?: Parameters<typeof page>[1],
) {
  return page(
    title,
    viewer,
    html`<section class="panel" aria-labelledby="error">
      <h1 id="error">${status} ${title}</h1>
      <p>${message}</p>
      <p><a href="/tenants">Back to the tenants</a></p>
    </section>`,
  );
}
