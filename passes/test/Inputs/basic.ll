; ModuleID = 'basic.c'
source_filename = "basic.c"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-musl"

%struct.ops = type { ptr, ptr }

@table = dso_local constant %struct.ops { ptr @square, ptr @positive }, align 8
@handler = dso_local local_unnamed_addr global ptr null, align 8

; Function Attrs: mustprogress nofree norecurse nosync nounwind willreturn memory(none) uwtable
define internal i64 @square(i64 noundef %x) #0 !dbg !9 {
entry:
  %mul = mul nsw i64 %x, %x, !dbg !12
  ret i64 %mul, !dbg !13
}

; Function Attrs: mustprogress nofree norecurse nosync nounwind willreturn memory(none) uwtable
define internal range(i32 0, 2) i32 @positive(i32 noundef %x) #0 !dbg !14 {
entry:
  %cmp = icmp sgt i32 %x, 0, !dbg !15
  %conv = zext i1 %cmp to i32, !dbg !15
  ret i32 %conv, !dbg !16
}

; Function Attrs: noinline nounwind uwtable
define dso_local i64 @wrapper(i64 noundef %n, i64 noundef %a) local_unnamed_addr #1 !dbg !17 {
entry:
  %0 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 %n, i64 %a) #6, !dbg !18, !srcloc !21
  ret i64 %0, !dbg !22
}

; Function Attrs: noinline nounwind uwtable
define dso_local i64 @use(ptr nocapture noundef readonly %o, i64 noundef %v) local_unnamed_addr #1 !dbg !23 {
entry:
  %0 = load ptr, ptr %o, align 8, !dbg !24, !tbaa !25
  %call = tail call i64 %0(i64 noundef %v) #6, !dbg !30
  %call1 = tail call i64 @wrapper(i64 noundef 39, i64 noundef 0), !dbg !31
  %add = add nsw i64 %call1, %call, !dbg !32
  %1 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 60, i64 0) #6, !dbg !33, !srcloc !21
  %add3 = add nsw i64 %add, %1, !dbg !35
  ret i64 %add3, !dbg !36
}

; Function Attrs: mustprogress nofree noinline norecurse nosync nounwind willreturn memory(argmem: write) uwtable
define dso_local void @store_field(ptr nocapture noundef writeonly %o) local_unnamed_addr #2 !dbg !37 {
entry:
  %check = getelementptr inbounds i8, ptr %o, i64 8, !dbg !38
  store ptr @positive, ptr %check, align 8, !dbg !39, !tbaa !40
  ret void, !dbg !41
}

; Function Attrs: mustprogress nofree noinline norecurse nosync nounwind willreturn memory(read, argmem: none, inaccessiblemem: none) uwtable
define dso_local i64 @step(i64 noundef %i) local_unnamed_addr #3 !dbg !42 {
entry:
  %mul = mul nsw i64 %i, 3, !dbg !43
  %0 = load ptr, ptr @handler, align 8, !dbg !44, !tbaa !45
  %1 = ptrtoint ptr %0 to i64, !dbg !46
  %add = add nsw i64 %mul, %1, !dbg !47
  ret i64 %add, !dbg !48
}

; Function Attrs: nounwind uwtable
define dso_local i32 @main(i32 noundef %argc, ptr nocapture noundef readnone %argv) local_unnamed_addr #4 !dbg !49 {
entry:
  %local = alloca %struct.ops, align 8
  store ptr @on_signal, ptr @handler, align 8, !dbg !50, !tbaa !45
  call void @llvm.lifetime.start.p0(i64 16, ptr nonnull %local) #6, !dbg !51
  call void @store_field(ptr noundef nonnull %local), !dbg !52
  %conv = sext i32 %argc to i64, !dbg !53
  %cmp.i9 = icmp sgt i32 %argc, 0, !dbg !54
  br i1 %cmp.i9, label %for.body.i, label %serve.exit, !dbg !57

for.body.i:                                       ; preds = %entry, %for.body.i
  %i.0.i11 = phi i64 [ %inc.i, %for.body.i ], [ 0, %entry ]
  %sum.0.i10 = phi i64 [ %add.i, %for.body.i ], [ 0, %entry ]
  %call.i = tail call i64 @step(i64 noundef %i.0.i11), !dbg !58
  %add.i = add nsw i64 %call.i, %sum.0.i10, !dbg !59
  %inc.i = add nuw nsw i64 %i.0.i11, 1, !dbg !60
  %exitcond.not = icmp eq i64 %inc.i, %conv, !dbg !54
  br i1 %exitcond.not, label %serve.exit, label %for.body.i, !dbg !57, !llvm.loop !61

serve.exit:                                       ; preds = %for.body.i, %entry
  %sum.0.i.lcssa = phi i64 [ 0, %entry ], [ %add.i, %for.body.i ], !dbg !64
  %call3 = tail call i64 @use(ptr noundef nonnull @table, i64 noundef %conv), !dbg !65
  %add = add nsw i64 %call3, %sum.0.i.lcssa, !dbg !66
  %conv4 = trunc i64 %add to i32, !dbg !67
  %check = getelementptr inbounds i8, ptr %local, i64 8, !dbg !68
  %0 = load ptr, ptr %check, align 8, !dbg !68, !tbaa !40
  %call5 = tail call i32 %0(i32 noundef %argc) #6, !dbg !69
  %add6 = add nsw i32 %call5, %conv4, !dbg !70
  call void @llvm.lifetime.end.p0(i64 16, ptr nonnull %local) #6, !dbg !71
  ret i32 %add6, !dbg !72
}

; Function Attrs: nounwind uwtable
define internal void @on_signal(i32 noundef %s) #4 !dbg !73 {
entry:
  %conv = sext i32 %s to i64, !dbg !74
  %call = tail call i64 @wrapper(i64 noundef 62, i64 noundef %conv), !dbg !75
  ret void, !dbg !76
}

; Function Attrs: mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite)
declare void @llvm.lifetime.start.p0(i64 immarg, ptr nocapture) #5

; Function Attrs: mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite)
declare void @llvm.lifetime.end.p0(i64 immarg, ptr nocapture) #5

attributes #0 = { mustprogress nofree norecurse nosync nounwind willreturn memory(none) uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #1 = { noinline nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #2 = { mustprogress nofree noinline norecurse nosync nounwind willreturn memory(argmem: write) uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #3 = { mustprogress nofree noinline norecurse nosync nounwind willreturn memory(read, argmem: none, inaccessiblemem: none) uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #4 = { nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #5 = { mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite) }
attributes #6 = { nounwind }

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!2, !3, !4, !5, !6, !7}
!llvm.ident = !{!8}

!0 = distinct !DICompileUnit(language: DW_LANG_C11, file: !1, producer: "Debian clang version 19.1.7 (3~deb12u1)", isOptimized: true, runtimeVersion: 0, emissionKind: LineTablesOnly, splitDebugInlining: false, nameTableKind: None)
!1 = !DIFile(filename: "basic.c", directory: "/work/main/passes/test/Inputs", checksumkind: CSK_MD5, checksum: "ef47a4e5e9c8c31cfa2dadb9f8e6540c")
!2 = !{i32 7, !"Dwarf Version", i32 5}
!3 = !{i32 2, !"Debug Info Version", i32 3}
!4 = !{i32 1, !"wchar_size", i32 4}
!5 = !{i32 8, !"PIC Level", i32 2}
!6 = !{i32 7, !"PIE Level", i32 2}
!7 = !{i32 7, !"uwtable", i32 2}
!8 = !{!"Debian clang version 19.1.7 (3~deb12u1)"}
!9 = distinct !DISubprogram(name: "square", scope: !1, file: !1, line: 10, type: !10, scopeLine: 10, flags: DIFlagPrototyped | DIFlagAllCallsDescribed, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!10 = !DISubroutineType(types: !11)
!11 = !{}
!12 = !DILocation(line: 10, column: 39, scope: !9)
!13 = !DILocation(line: 10, column: 30, scope: !9)
!14 = distinct !DISubprogram(name: "positive", scope: !1, file: !1, line: 11, type: !10, scopeLine: 11, flags: DIFlagPrototyped | DIFlagAllCallsDescribed, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!15 = !DILocation(line: 11, column: 39, scope: !14)
!16 = !DILocation(line: 11, column: 30, scope: !14)
!17 = distinct !DISubprogram(name: "wrapper", scope: !1, file: !1, line: 22, type: !10, scopeLine: 22, flags: DIFlagPrototyped | DIFlagAllCallsDescribed, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!18 = !DILocation(line: 17, column: 5, scope: !19, inlinedAt: !20)
!19 = distinct !DISubprogram(name: "sys1", scope: !1, file: !1, line: 14, type: !10, scopeLine: 15, flags: DIFlagPrototyped | DIFlagAllCallsDescribed, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!20 = distinct !DILocation(line: 22, column: 65, scope: !17)
!21 = !{i64 614}
!22 = !DILocation(line: 22, column: 58, scope: !17)
!23 = distinct !DISubprogram(name: "use", scope: !1, file: !1, line: 24, type: !10, scopeLine: 25, flags: DIFlagPrototyped | DIFlagAllCallsDescribed, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!24 = !DILocation(line: 26, column: 15, scope: !23)
!25 = !{!26, !27, i64 0}
!26 = !{!"ops", !27, i64 0, !27, i64 8}
!27 = !{!"any pointer", !28, i64 0}
!28 = !{!"omnipotent char", !29, i64 0}
!29 = !{!"Simple C/C++ TBAA"}
!30 = !DILocation(line: 26, column: 12, scope: !23)
!31 = !DILocation(line: 26, column: 24, scope: !23)
!32 = !DILocation(line: 26, column: 22, scope: !23)
!33 = !DILocation(line: 17, column: 5, scope: !19, inlinedAt: !34)
!34 = distinct !DILocation(line: 26, column: 41, scope: !23)
!35 = !DILocation(line: 26, column: 39, scope: !23)
!36 = !DILocation(line: 26, column: 5, scope: !23)
!37 = distinct !DISubprogram(name: "store_field", scope: !1, file: !1, line: 32, type: !10, scopeLine: 32, flags: DIFlagPrototyped | DIFlagAllCallsDescribed, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!38 = !DILocation(line: 32, column: 64, scope: !37)
!39 = !DILocation(line: 32, column: 70, scope: !37)
!40 = !{!26, !27, i64 8}
!41 = !DILocation(line: 32, column: 82, scope: !37)
!42 = distinct !DISubprogram(name: "step", scope: !1, file: !1, line: 35, type: !10, scopeLine: 35, flags: DIFlagPrototyped | DIFlagAllCallsDescribed, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!43 = !DILocation(line: 35, column: 56, scope: !42)
!44 = !DILocation(line: 35, column: 68, scope: !42)
!45 = !{!27, !27, i64 0}
!46 = !DILocation(line: 35, column: 62, scope: !42)
!47 = !DILocation(line: 35, column: 60, scope: !42)
!48 = !DILocation(line: 35, column: 47, scope: !42)
!49 = distinct !DISubprogram(name: "main", scope: !1, file: !1, line: 45, type: !10, scopeLine: 46, flags: DIFlagPrototyped | DIFlagAllCallsDescribed, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!50 = !DILocation(line: 48, column: 13, scope: !49)
!51 = !DILocation(line: 49, column: 5, scope: !49)
!52 = !DILocation(line: 50, column: 5, scope: !49)
!53 = !DILocation(line: 52, column: 25, scope: !49)
!54 = !DILocation(line: 40, column: 24, scope: !55, inlinedAt: !56)
!55 = distinct !DISubprogram(name: "serve", scope: !1, file: !1, line: 37, type: !10, scopeLine: 38, flags: DIFlagPrototyped | DIFlagAllCallsDescribed, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!56 = distinct !DILocation(line: 52, column: 19, scope: !49)
!57 = !DILocation(line: 40, column: 5, scope: !55, inlinedAt: !56)
!58 = !DILocation(line: 41, column: 16, scope: !55, inlinedAt: !56)
!59 = !DILocation(line: 41, column: 13, scope: !55, inlinedAt: !56)
!60 = !DILocation(line: 40, column: 30, scope: !55, inlinedAt: !56)
!61 = distinct !{!61, !57, !62, !63}
!62 = !DILocation(line: 41, column: 22, scope: !55, inlinedAt: !56)
!63 = !{!"llvm.loop.mustprogress"}
!64 = !DILocation(line: 0, scope: !55, inlinedAt: !56)
!65 = !DILocation(line: 53, column: 18, scope: !49)
!66 = !DILocation(line: 53, column: 36, scope: !49)
!67 = !DILocation(line: 53, column: 12, scope: !49)
!68 = !DILocation(line: 53, column: 54, scope: !49)
!69 = !DILocation(line: 53, column: 48, scope: !49)
!70 = !DILocation(line: 53, column: 46, scope: !49)
!71 = !DILocation(line: 54, column: 1, scope: !49)
!72 = !DILocation(line: 53, column: 5, scope: !49)
!73 = distinct !DISubprogram(name: "on_signal", scope: !1, file: !1, line: 30, type: !10, scopeLine: 30, flags: DIFlagPrototyped | DIFlagAllCallsDescribed, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!74 = !DILocation(line: 30, column: 44, scope: !73)
!75 = !DILocation(line: 30, column: 32, scope: !73)
!76 = !DILocation(line: 30, column: 48, scope: !73)
