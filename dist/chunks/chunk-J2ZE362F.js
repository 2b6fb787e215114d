import{preflight}from"./chunk-S6K2RXUK.js";async function runPreflight(rt,common){await preflight(rt,common)}export{runPreflight};
