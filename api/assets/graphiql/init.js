// Starts GraphiQL against this server's /graphql; every script comes from the binary (no CDN).
(function () {
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: '/graphql' }),
      defaultEditorToolsVisibility: true,
    })
  );
})();
