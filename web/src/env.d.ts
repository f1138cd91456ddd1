// Vite turns imported .css files into the page's stylesheet.
declare module "*.css";
