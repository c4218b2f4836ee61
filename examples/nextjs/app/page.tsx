/** The home page: where Churn answers. */
export default function Home() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 32 }}>
      <h1>Churn + Next.js</h1>
      <p>
        Churn's API is mounted at <code>/api/churn/api</code> by{' '}
        <code>app/api/churn/[...path]/route.ts</code>; its health check is{' '}
        <a href="/api/churn/healthz">/api/churn/healthz</a>.
      </p>
    </main>
  );
}
