/**
 * `@churn/server` runs embedded PostgreSQL (PGlite), which loads WebAssembly and data files
 * from its own folder: load the server package with Node's own `import()` at run time
 * instead of bundling it (a workspace link is not in node_modules, so
 * `serverExternalPackages` alone does not catch it).
 * @type {import('next').NextConfig}
 */
const config = {
  serverExternalPackages: ['@churn/server', '@churn/core', '@electric-sql/pglite'],
  eslint: { ignoreDuringBuilds: true },
  webpack(webpackConfig, { isServer }) {
    if (isServer) {
      webpackConfig.externals = [
        ...(Array.isArray(webpackConfig.externals)
          ? webpackConfig.externals
          : [webpackConfig.externals].filter(Boolean)),
        ({ request }, callback) =>
          request && /^@churn\/(server|core)(\/|$)/.test(request)
            ? callback(undefined, `import ${request}`)
            : callback(),
      ];
    }
    return webpackConfig;
  },
};

export default config;
