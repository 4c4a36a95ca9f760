testServerTiming(document.currentScript, [{"name":"metric","desc":"\t description \t"}])
